export const VERSION_PATTERN = /^v\d{1,4}\.\d{1,4}$/;

/** v1.0 → v1.1 → … → v1.10; the first version is v1.0. */
export function nextVersion(current: string | null, taken: ReadonlySet<string> = new Set()): string {
  let next = 'v1.0';
  if (current) {
    const [major, minor] = current.slice(1).split('.').map(Number) as [number, number];
    next = `v${major}.${minor + 1}`;
  }
  while (taken.has(next)) next = nextVersion(next);
  return next;
}
