/** Every PostgreSQL advisory-lock id the application uses, in one place so none collide. */
export enum DatabaseLock {
  Migrations = 7_100_001,
  FirstUser = 7_100_002,
}
