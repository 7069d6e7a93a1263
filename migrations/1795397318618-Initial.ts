import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795397318618 implements MigrationInterface {
  name = 'Initial1795397318618';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" SERIAL NOT NULL, "username" character varying(50) NOT NULL, "email" character varying(100) NOT NULL, "hashed_password" character varying(255) NOT NULL, "full_name" character varying(100), "avatar_url" character varying(500), "is_active" boolean NOT NULL DEFAULT true, "is_superuser" boolean NOT NULL DEFAULT false, "is_verified" boolean NOT NULL DEFAULT false, "language" character varying(10) NOT NULL DEFAULT 'zh-CN', "timezone" character varying(64) NOT NULL DEFAULT 'Asia/Shanghai', "last_login_at" TIMESTAMP WITH TIME ZONE, "login_count" integer NOT NULL DEFAULT '0', "settings" jsonb NOT NULL DEFAULT '{}', "password_changed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_username" ON "users"  ("username") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_users_email" ON "users"  ("email") `);
    await queryRunner.query(`CREATE INDEX "idx_users_active" ON "users"  ("is_active") `);
    await queryRunner.query(`CREATE INDEX "idx_users_created_at" ON "users"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "user_sessions" ("id" SERIAL NOT NULL, "user_id" integer NOT NULL, "session_token" character varying(255) NOT NULL, "refresh_token_hash" character varying(255), "ip_address" inet, "user_agent" text, "is_active" boolean NOT NULL DEFAULT true, "remember_me" boolean NOT NULL DEFAULT false, "revoked_reason" character varying(50), "revoked_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e93e031a5fed190d4789b6bfd83" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_sessions_user_id" ON "user_sessions"  ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_sessions_token" ON "user_sessions"  ("session_token") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_sessions_refresh_hash" ON "user_sessions"  ("refresh_token_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_sessions_expires" ON "user_sessions"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TYPE "public"."log_level" AS ENUM('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')`,
    );
    await queryRunner.query(
      `CREATE TABLE "system_logs" ("id" BIGSERIAL NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "level" "public"."log_level" NOT NULL, "message" text NOT NULL, "module" character varying(100), "event" character varying(100), "function_name" character varying(100), "user_id" integer, "session_id" character varying(255), "request_id" character varying(128), "metadata" jsonb NOT NULL DEFAULT '{}', "stack_trace" text, "ip_address" inet, "user_agent" text, CONSTRAINT "PK_1538e46a6fe685b4513dd8b18d2" PRIMARY KEY ("id", "created_at")) PARTITION BY RANGE ("created_at")`,
    );
    // Monthly partitions are created ahead by PartitionMaintenanceService; the default catches the rest.
    await queryRunner.query(`CREATE TABLE "system_logs_default" PARTITION OF "system_logs" DEFAULT`);
    await queryRunner.query(`CREATE INDEX "idx_system_logs_request" ON "system_logs"  ("request_id") `);
    await queryRunner.query(`CREATE INDEX "idx_system_logs_user" ON "system_logs"  ("user_id") `);
    await queryRunner.query(
      `CREATE INDEX "idx_system_logs_module" ON "system_logs"  ("module", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_system_logs_level" ON "system_logs"  ("level", "created_at") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_system_logs_created" ON "system_logs"  ("created_at") `);
    await queryRunner.query(
      `ALTER TABLE "user_sessions" ADD CONSTRAINT "FK_e9658e959c490b0a634dfc54783" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user_sessions" DROP CONSTRAINT "FK_e9658e959c490b0a634dfc54783"`);
    await queryRunner.query(`DROP INDEX "public"."idx_system_logs_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_system_logs_level"`);
    await queryRunner.query(`DROP INDEX "public"."idx_system_logs_module"`);
    await queryRunner.query(`DROP INDEX "public"."idx_system_logs_user"`);
    await queryRunner.query(`DROP INDEX "public"."idx_system_logs_request"`);
    await queryRunner.query(`DROP TABLE "system_logs" CASCADE`);
    await queryRunner.query(`DROP TYPE "public"."log_level"`);
    await queryRunner.query(`DROP INDEX "public"."idx_sessions_expires"`);
    await queryRunner.query(`DROP INDEX "public"."idx_sessions_refresh_hash"`);
    await queryRunner.query(`DROP INDEX "public"."idx_sessions_token"`);
    await queryRunner.query(`DROP INDEX "public"."idx_sessions_user_id"`);
    await queryRunner.query(`DROP TABLE "user_sessions"`);
    await queryRunner.query(`DROP INDEX "public"."idx_users_created_at"`);
    await queryRunner.query(`DROP INDEX "public"."idx_users_active"`);
    await queryRunner.query(`DROP INDEX "public"."idx_users_email"`);
    await queryRunner.query(`DROP INDEX "public"."idx_users_username"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
