/**
 * The edge's static behaviour on this machine: requests under the static prefix (the environment's
 * `edge.staticPathPattern`, default `/static/*`) are files of the repository's `static/` folder,
 * as the bucket holds them under the same key prefix, plus the edge's error pages the bucket also
 * holds (modules/edge/edge.ts stores them from EDGE_ERROR_BODIES). GET and HEAD only (the
 * behaviour's allowed methods); a file outside the folder, a directory or nothing at all is a JSON 404.
 */
import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { EDGE_ERROR_BODIES, EDGE_ERROR_CONTENT_TYPE, EDGE_ERROR_STATUSES, edgeErrorPagePath, staticUrlPrefix } from '../../modules/edge/edge-contract';
import { errorBody } from '../../services/kit/errors';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export const contentTypeOf = (file: string): string => CONTENT_TYPES[path.extname(file).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;

export interface StaticFiles {
  readonly prefix: string;
  matches(pathname: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, pathname: string, requestId: string): void;
}

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
};

/** The file `pathname` names inside `root` and its stats, or undefined when it names nothing there (or escapes it). */
const resolveInside = (root: string, relative: string): { file: string; stats: Stats } | undefined => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  try {
    // realpath: a symbolic link inside the folder must not lead out of it either.
    const file = realpathSync(path.join(root, decoded));
    if (!file.startsWith(`${root}${path.sep}`)) return undefined;
    const stats = statSync(file);
    return stats.isFile() ? { file, stats } : undefined;
  } catch {
    return undefined;
  }
};

/** Serves `root` under the URL prefix of `pathPattern` (e.g. `/static/*` → `/static/`). */
export const staticFiles = (root: string, pathPattern: string): StaticFiles => {
  const prefix = staticUrlPrefix(pathPattern);
  const realRoot = realpathSync(root);
  const errorPages = new Map(EDGE_ERROR_STATUSES.map((status) => [edgeErrorPagePath(pathPattern, status), JSON.stringify(EDGE_ERROR_BODIES[status])]));
  return {
    prefix,
    matches: (pathname) => pathname.startsWith(prefix),
    serve: (req, res, pathname, requestId) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        sendJson(res, 405, errorBody(requestId, 'method_not_allowed', `${req.method} is not allowed on static files`));
        return;
      }
      const errorPage = errorPages.get(pathname);
      if (errorPage) {
        res.writeHead(200, { 'content-type': EDGE_ERROR_CONTENT_TYPE, 'content-length': Buffer.byteLength(errorPage) });
        res.end(req.method === 'HEAD' ? undefined : errorPage);
        return;
      }
      const found = resolveInside(realRoot, pathname.slice(prefix.length));
      if (!found) {
        sendJson(res, 404, errorBody(requestId, 'not_found', `No static file at ${pathname}`));
        return;
      }
      const { file, stats } = found;
      res.writeHead(200, { 'content-type': contentTypeOf(file), 'content-length': stats.size, 'last-modified': stats.mtime.toUTCString() });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).once('error', () => res.destroy()).pipe(res);
    },
  };
};
