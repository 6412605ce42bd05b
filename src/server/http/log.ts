/**
 * What the log may say about an error: its kind, code, a message without the values it was
 * about, and where it happened. Never the SQL, its parameters (PGlite puts both on its
 * errors; they hold names and e-mail addresses), a DETAIL line (which quotes key values) or
 * an SMTP reply (which quotes addresses).
 */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: 'non-error thrown', type: typeof err };
  const e = err as Error & { code?: unknown; cause?: unknown };
  const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
  const out: Record<string, unknown> = {
    type: e.name,
    // A database message can quote the value it refused: "invalid input syntax ...: "Kim"".
    message: sqlState ? withoutQuotedValues(e.message) : e.message,
    stack: e.stack?.split('\n').slice(1).join('\n'),
  };
  if (e.code !== undefined) out.code = e.code;
  if (e.cause !== undefined) out.cause = safeError(e.cause);
  return out;
}

const withoutQuotedValues = (message: string): string =>
  message.length > 500 ? `${withoutQuotedValues(message.slice(0, 500))}...` : message.replace(/"[^"]*"/g, '"..."');
