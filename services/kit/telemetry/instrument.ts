/**
 * Instrumentation by explicit patching. OpenTelemetry's instrumentations normally patch a module
 * from a `require` hook; the production images run esbuild bundles (scripts/build-services.ts)
 * where pg, ioredis and the AWS SDK are inlined and never `require`d, so no hook would fire. The
 * kit's client factories instead hand the module (or class) they use to `instrument()` here, which
 * applies the instrumentation's own patch to it: the same code path under tsx and in a bundle.
 *
 * Until `startTelemetry` installs the instrumentations (tracing on), `instrument()` does nothing.
 */
import type { InstrumentationBase } from '@opentelemetry/instrumentation';

/** What each kit client hands over: the module object or class the instrumentation patches. */
export type InstrumentedModule =
  /** The `pg` module (Client.prototype.query/connect). */
  | 'pg'
  /** pg-pool's Pool class (`Object.getPrototypeOf(pg.Pool)`). */
  | 'pg-pool'
  /** The ioredis `Redis` class. */
  | 'ioredis'
  /** An AWS SDK v3 client class's base, `@smithy/core`'s `Client` (see `instrumentAwsClient`). */
  | '@smithy/smithy-client';

let installed: ReadonlyMap<InstrumentedModule, InstrumentationBase> | undefined;
const patched = new WeakSet<object>();

/** Called by `startTelemetry`: which instrumentation patches which module. */
export const installInstrumentations = (byModule: ReadonlyMap<InstrumentedModule, InstrumentationBase>): void => {
  installed = byModule;
};

/**
 * Patches `exports` with the instrumentation registered for `module`, once per `identity` (the
 * object the patch changes); a no-op while tracing is off. True when it patched now.
 */
export const instrument = (module: InstrumentedModule, exports: object, identity: object = exports): boolean => {
  const instrumentation = installed?.get(module);
  if (!instrumentation || patched.has(identity)) return false;
  const definition = instrumentation.getModuleDefinitions().find((d) => d.name === module);
  if (!definition?.patch) throw new Error(`telemetry: ${instrumentation.instrumentationName} has no patch for ${module}`);
  definition.patch(exports, undefined);
  patched.add(identity);
  return true;
};

/**
 * AWS SDK v3 clients all extend `@smithy/core`'s `Client`, whose `send` the aws-sdk
 * instrumentation wraps. Reaching it through the client's prototype chain patches the very class
 * the client uses (inlined or not), without importing a transitive package.
 */
export const instrumentAwsClient = <T extends object>(client: T): T => {
  const smithyClientPrototype: unknown = Object.getPrototypeOf(Object.getPrototypeOf(client));
  if (smithyClientPrototype && typeof (smithyClientPrototype as { send?: unknown }).send === 'function') {
    instrument('@smithy/smithy-client', { Client: { prototype: smithyClientPrototype } }, smithyClientPrototype);
  }
  return client;
};
