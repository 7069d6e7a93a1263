/**
 * What a jsonb column holds. `unknown` would be the honest type, but TypeORM's partial-entity types
 * (insert/update) cannot take it, so the one `any` of the code base lives here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = Record<string, any>;
