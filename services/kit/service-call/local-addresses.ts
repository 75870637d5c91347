/**
 * Local name resolution for service calls. In AWS a caller reaches `http://user:3001` through the
 * Service Connect proxy, which resolves the catalog name; locally (`npm run dev`, tests) provisioning
 * sets `SERVICE_ADDRESSES_LOCAL=user=127.0.0.1:3001,...` and the kit client connects there, so the
 * services' configuration (`SERVICE_USER_URL=http://user:3001`) has the same shape in both places.
 * Config refuses the variable in production: this never sits on a production path.
 */

/** Catalog name → `host:port` it listens on locally. */
export type LocalAddresses = ReadonlyMap<string, string>;

const HOST_PORT = /^(?:[a-z0-9.-]+|\[[0-9a-f:]+\]):\d{1,5}$/i;

/** `<name>=<host>:<port>,...` → the map; throws with a message that names the bad entry. */
export const parseLocalAddresses = (list: string): LocalAddresses =>
  new Map(
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [name, address] = entry.split('=');
        if (!name || !address || !HOST_PORT.test(address)) throw new Error(`"${entry}" is not <name>=<host>:<port>`);
        return [name, address] as const;
      }),
  );

/** The URL to connect to for `url`: its host replaced when it is a catalog name with a local address. */
export const resolveLocally = (url: URL, addresses: LocalAddresses | undefined): URL => {
  const address = addresses?.get(url.hostname);
  if (!address) return url;
  const resolved = new URL(url);
  resolved.host = address;
  return resolved;
};
