/**
 * What responses show in place of a secret. A client that edits a resource sends back what it
 * received; the mask in a secret field then means "keep the stored value".
 */
export const SECRET_MASK = '******';

export function maskSecret(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === '' ? null : SECRET_MASK;
}

/**
 * The sealed value to store for an update: the mask or an absent field keeps `stored`, null or ''
 * clears it, anything else is sealed anew.
 */
export function nextSealedSecret(
  incoming: string | null | undefined,
  stored: string | null,
  seal: (plain: string) => string,
): string | null {
  if (incoming === undefined || incoming === SECRET_MASK) return stored;
  if (incoming === null || incoming === '') return null;
  return seal(incoming);
}
