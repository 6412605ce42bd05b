/** Where the compatible API lives. */
export const API_PREFIX = '/api/v2.1';
