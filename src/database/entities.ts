import { UserSession } from '../modules/auth/entities/user-session.entity.js';
import { SystemLog } from '../modules/system/entities/system-log.entity.js';
import { User } from '../modules/users/entities/user.entity.js';

/** Every entity, as a class list: globs would point at .ts files under Jest. */
export const ENTITIES = [User, UserSession, SystemLog];
