/** Who is calling, as the auth guard established it. Passed explicitly to services (never request-scoped). */
export interface AuthUser {
  id: number;
  username: string;
  isSuperuser: boolean;
  /** The session's public id (the access token's `sid`). */
  sessionToken: string;
}

/** Where a request came from, for sessions and the audit trail. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}
