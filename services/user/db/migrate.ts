import path from 'node:path';

/**
 * The drizzle-kit output, applied by the migrate command (services/kit/postgres-roles.ts).
 * Resolved next to the running code: `services/user/db/migrations` from source,
 * `<bundle dir>/migrations` in the image (the Dockerfile copies the folder beside the bundle).
 */
export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');
