/** The Keychain verification message. Plain text first: it is what `learnfile mail list` shows. */
export function keychainVerificationMail(p: { firstName: string; organisation: string; link: string; days: number }) {
  const text = [
    `Hello ${p.firstName},`,
    '',
    `An account has been set up for you at ${p.organisation}. It is on your Keychain, so one login reaches all your accounts.`,
    '',
    'Please confirm that this email address is yours by opening this link:',
    p.link,
    '',
    `The link works for ${p.days} days. If you did not expect this email, you can ignore it.`,
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(p.firstName)},</p>
<p>An account has been set up for you at ${escapeHtml(p.organisation)}. It is on your Keychain, so one login reaches all your accounts.</p>
<p><a href="${escapeHtml(p.link)}">Verify your email address</a></p>
<p>The link works for ${p.days} days. If you did not expect this email, you can ignore it.</p>`;
  return { subject: 'Please verify your learnfile account', text, html };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
