import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type EntityManager } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { User } from './entities/user.entity.js';
import { PasswordHasher } from './password-hasher.js';

export interface NewUser {
  username: string;
  email: string;
  password: string;
  fullName?: string | null;
  isSuperuser?: boolean;
  language?: string;
  timezone?: string;
}

export interface ProfileChanges {
  fullName?: string | null;
  email?: string;
  language?: string;
  timezone?: string;
}

const UNIQUE_VIOLATION = '23505';

/** Usernames and emails are compared case-insensitively by storing them lower-case. */
export const normaliseUsername = (s: string) => s.trim().toLowerCase();
export const normaliseEmail = (s: string) => s.trim().toLowerCase();

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username: normaliseUsername(username) });
  }

  count(manager?: EntityManager): Promise<number> {
    return (manager?.getRepository(User) ?? this.users).count();
  }

  verifyPassword(user: User | null, password: string): Promise<boolean> {
    return this.hasher.verify(user?.hashedPassword, password);
  }

  /** Creates a user; inside `manager`'s transaction when given. Duplicate username/email → 409. */
  async create(input: NewUser, manager?: EntityManager): Promise<User> {
    const repo = manager?.getRepository(User) ?? this.users;
    const entity = repo.create({
      username: normaliseUsername(input.username),
      email: normaliseEmail(input.email),
      hashedPassword: await this.hasher.hash(input.password),
      fullName: input.fullName ?? null,
      isSuperuser: input.isSuperuser ?? false,
      language: input.language ?? 'zh-CN',
      timezone: input.timezone ?? 'Asia/Shanghai',
    });
    try {
      return await repo.save(entity);
    } catch (err) {
      throw this.uniqueViolation(err) ?? err;
    }
  }

  async updateProfile(user: User, changes: ProfileChanges): Promise<User> {
    if (changes.fullName !== undefined) user.fullName = changes.fullName;
    if (changes.email !== undefined) user.email = normaliseEmail(changes.email);
    if (changes.language !== undefined) user.language = changes.language;
    if (changes.timezone !== undefined) user.timezone = changes.timezone;
    try {
      return await this.users.save(user);
    } catch (err) {
      throw this.uniqueViolation(err) ?? err;
    }
  }

  async setPassword(user: User, password: string, manager?: EntityManager): Promise<User> {
    user.hashedPassword = await this.hasher.hash(password);
    user.passwordChangedAt = new Date();
    return (manager?.getRepository(User) ?? this.users).save(user);
  }

  /** Stamps the login on the row and on `user` (from the database's answer, so no re-read is needed). */
  async recordLogin(user: User): Promise<void> {
    const result = await this.users
      .createQueryBuilder()
      .update(User)
      .set({ lastLoginAt: () => 'now()', loginCount: () => 'login_count + 1' })
      .where('id = :id', { id: user.id })
      .returning(['last_login_at', 'login_count'])
      .execute();
    const row = (result.raw as { last_login_at: Date; login_count: number }[])[0];
    if (row) Object.assign(user, { lastLoginAt: row.last_login_at, loginCount: row.login_count });
  }

  private uniqueViolation(err: unknown): AppException | undefined {
    if (!(err instanceof QueryFailedError)) return undefined;
    const driverError = err.driverError as { code?: string; constraint?: string };
    if (driverError.code !== UNIQUE_VIOLATION) return undefined;
    return driverError.constraint?.includes('email')
      ? new AppException('EMAIL_TAKEN')
      : new AppException('USERNAME_TAKEN');
  }
}
