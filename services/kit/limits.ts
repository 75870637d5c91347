/**
 * HTTP limits shared by every service (kit server and app) and the local gateway, so a request
 * meets the same bounds wherever it arrives.
 */

/** Longest request target (path + query) accepted: 414 `uri_too_long` above. */
export const MAX_URL_BYTES = 8 * 1024;

/**
 * Request line + all header fields, as Node's parser counts them (its default, set explicitly):
 * 431 `headers_too_large` above (414 when the request line alone is too long).
 */
export const MAX_HEADER_BYTES = 16 * 1024;
