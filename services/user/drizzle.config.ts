import { defineConfig } from 'drizzle-kit';

// Generation only (`npm run db:generate`): drizzle-kit diffs the schema against the snapshots in
// db/migrations/meta and writes the next SQL file. It never connects to a database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './services/user/db/schema.ts',
  out: './services/user/db/migrations',
});
