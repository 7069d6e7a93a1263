import { randomBytes } from 'node:crypto';
import { UsersService } from '../../src/modules/users/users.service.js';
import type { TestApp } from '../support/test-app.js';

export interface TestUser {
  id: number;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** A new user of its own per test (no test shares or truncates another's data), logged in. */
export async function createUser(
  t: TestApp,
  overrides: { superuser?: boolean; password?: string } = {},
): Promise<TestUser> {
  const username = `u_${randomBytes(5).toString('hex')}`;
  const password = overrides.password ?? `pw-${randomBytes(6).toString('hex')}`;
  const user = await t.app.get(UsersService).create({
    username,
    email: `${username}@example.test`,
    password,
    isSuperuser: overrides.superuser ?? false,
  });
  const tokens = await login(t, username, password);
  return { id: user.id, username, password, ...tokens };
}

export async function login(
  t: TestApp,
  username: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
    headers,
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const data = res.json().data as { access_token: string; refresh_token: string };
  return { accessToken: data.access_token, refreshToken: data.refresh_token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
