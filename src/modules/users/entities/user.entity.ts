import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '../../../common/types/json.js';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Stored lower-case; unique. */
  @Index('idx_users_username', { unique: true })
  @Column({ type: 'varchar', length: 50 })
  username!: string;

  @Index('idx_users_email', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  email!: string;

  @Column({ type: 'varchar', length: 255 })
  hashedPassword!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  fullName!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  avatarUrl!: string | null;

  @Index('idx_users_active')
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'boolean', default: false })
  isSuperuser!: boolean;

  @Column({ type: 'boolean', default: false })
  isVerified!: boolean;

  @Column({ type: 'varchar', length: 10, default: 'zh-CN' })
  language!: string;

  @Column({ type: 'varchar', length: 64, default: 'Asia/Shanghai' })
  timezone!: string;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  loginCount!: number;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  settings!: JsonObject;

  /** Bumped on password change so cached session state can be compared cheaply. */
  @Column({ type: 'timestamptz', nullable: true })
  passwordChangedAt!: Date | null;

  @Index('idx_users_created_at')
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
