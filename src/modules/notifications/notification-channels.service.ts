import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import DataLoader from 'dataloader';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import type { ChannelTarget, ChannelType } from '../../infra/channels/channel.port.js';
import { SecretBox } from '../../infra/crypto/secret-box.js';
import { SECRET_MASK, nextSealedSecret } from '../../infra/crypto/secret-mask.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { REQUIRED_SECRETS, SECRET_FIELDS, validateChannelConfig } from './channel-configs.js';
import type { ChannelInputDto, ChannelResponseDto } from './dto/channel.dto.js';
import type { PutRulesDto, RulesResponseDto } from './dto/rules.dto.js';
import { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import {
  DEFAULT_ROUTES,
  DEFAULT_STORM_THRESHOLD,
  NotificationRules,
  type Routes,
} from './entities/notification-rules.entity.js';

export interface EffectiveRules {
  routes: Routes;
  quietHours: NotificationRules['quietHours'];
  cooldownSeconds: number | null;
  stormThreshold: number;
}

/** Channels and rules per user: validation, sealing and masking of secrets, and targets for sending. */
@Injectable()
export class NotificationChannelsService {
  /**
   * Every signal of an ingest batch asks for its owner's channels in the same turn of the event
   * loop (the planner's listeners run from setImmediate): one query per batch instead of one per
   * signal, which at ingest rates was the ingest's bottleneck. No cache across turns — a channel
   * enabled now is seen by the next batch.
   */
  private readonly enabledLoader = new DataLoader<number, NotificationChannelEntity[]>(
    async (ownerIds) => {
      const rows = await this.db
        .getRepository(NotificationChannelEntity)
        .find({ where: { ownerId: In([...ownerIds]), enabled: true }, order: { id: 'ASC' } });
      return ownerIds.map((id) => rows.filter((r) => r.ownerId === id));
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run) },
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
    private readonly proxies: ProxySelector,
  ) {}

  async list(ownerId: number): Promise<ChannelResponseDto[]> {
    const rows = await this.db.getRepository(NotificationChannelEntity).find({
      where: { ownerId },
      order: { type: 'ASC' },
    });
    return rows.map(toResponse);
  }

  /** Replaces the set: listed types are created or updated (mask keeps a secret), others removed. */
  async replace(ownerId: number, inputs: ChannelInputDto[]): Promise<ChannelResponseDto[]> {
    const seen = new Set<ChannelType>();
    inputs.forEach((c, i) => {
      if (seen.has(c.type))
        throw new AppException('VALIDATION_ERROR', [
          { field: `channels[${i}].type`, message: `${c.type} is listed twice` },
        ]);
      seen.add(c.type);
    });
    await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(NotificationChannelEntity);
      const existing = new Map((await repo.find({ where: { ownerId } })).map((r) => [r.type, r]));
      for (const [i, input] of inputs.entries()) {
        const stored = existing.get(input.type);
        const secretNames = SECRET_FIELDS[input.type];
        const config: Record<string, unknown> = { ...input.config };
        const incoming: Record<string, string | null | undefined> = {};
        for (const name of secretNames) {
          const v = config[name];
          if (v !== undefined && v !== null && typeof v !== 'string')
            throw new AppException('VALIDATION_ERROR', [
              { field: `channels[${i}].config.${name}`, message: `${name} must be a string` },
            ]);
          incoming[name] = v as string | null | undefined;
          // The mask and clears are resolved below; only new values go through the schema.
          if (v === SECRET_MASK || v === null || v === '') delete config[name];
        }
        validateChannelConfig(input.type, config, `channels[${i}].config`);
        const secrets: Record<string, string> = {};
        for (const name of secretNames) {
          const next = nextSealedSecret(incoming[name], stored?.secrets[name] ?? null, (p) =>
            this.box.seal(p),
          );
          if (next !== null) secrets[name] = next;
          delete config[name];
        }
        const missing = REQUIRED_SECRETS[input.type].filter((n) => !secrets[n]);
        if (missing.length)
          throw new AppException(
            'NOTIFICATION_CHANNEL_INCOMPLETE',
            missing.map((n) => ({ field: `channels[${i}].config.${n}`, message: `${n} is required` })),
          );
        await repo.save(
          repo.create({
            ...(stored ? { id: stored.id } : {}),
            ownerId,
            type: input.type,
            enabled: input.enabled ?? true,
            config,
            secrets,
            baseUrl: input.base_url ?? null,
            proxyId: input.proxy_id ?? null,
            minLevel: input.min_level ?? 'P2',
          }),
        );
        existing.delete(input.type);
      }
      for (const gone of existing.values()) await repo.delete({ id: gone.id });
    });
    return this.list(ownerId);
  }

  async getRules(ownerId: number, manager: EntityManager = this.db.manager): Promise<EffectiveRules> {
    const r = await manager.getRepository(NotificationRules).findOneBy({ ownerId });
    return {
      routes: { ...DEFAULT_ROUTES, ...(r?.routes ?? {}) },
      quietHours: r?.quietHours ?? null,
      cooldownSeconds: r?.cooldownSeconds ?? null,
      stormThreshold: r?.stormThreshold ?? DEFAULT_STORM_THRESHOLD,
    };
  }

  async rulesResponse(ownerId: number): Promise<RulesResponseDto> {
    const r = await this.getRules(ownerId);
    return {
      routes: r.routes,
      quiet_hours: r.quietHours,
      cooldown_seconds: r.cooldownSeconds,
      storm_threshold: r.stormThreshold,
    };
  }

  /** Fields given replace the current ones. */
  async putRules(ownerId: number, dto: PutRulesDto): Promise<RulesResponseDto> {
    const current = await this.getRules(ownerId);
    await this.db.getRepository(NotificationRules).save({
      ownerId,
      routes: dto.routes ? { ...current.routes, ...dto.routes } : current.routes,
      quietHours:
        dto.quiet_hours === undefined ? current.quietHours : dto.quiet_hours && { ...dto.quiet_hours },
      cooldownSeconds: dto.cooldown_seconds === undefined ? current.cooldownSeconds : dto.cooldown_seconds,
      stormThreshold: dto.storm_threshold ?? current.stormThreshold,
    });
    return this.rulesResponse(ownerId);
  }

  /** The owner's enabled channels; concurrent asks of one event-loop turn share one query. */
  enabledChannels(ownerId: number): Promise<NotificationChannelEntity[]> {
    return this.enabledLoader.load(ownerId);
  }

  async byType(ownerId: number, type: ChannelType): Promise<NotificationChannelEntity> {
    const row = await this.db.getRepository(NotificationChannelEntity).findOneBy({ ownerId, type });
    if (!row) throw new AppException('NOTIFICATION_CHANNEL_NOT_FOUND', { channel: type });
    return row;
  }

  async byId(id: number): Promise<NotificationChannelEntity | null> {
    return this.db.getRepository(NotificationChannelEntity).findOneBy({ id });
  }

  /** Opens the secrets and asks the selector for the channel's proxy (its own only, no pool). */
  async target(row: NotificationChannelEntity): Promise<ChannelTarget> {
    const config: Record<string, unknown> = { ...row.config };
    for (const [name, sealed] of Object.entries(row.secrets ?? {})) config[name] = this.box.open(sealed);
    const proxy = row.proxyId
      ? await this.proxies.select({ ownerId: row.ownerId, preferredId: row.proxyId, usePool: false })
      : null;
    return { type: row.type, config, baseUrl: row.baseUrl, proxy };
  }
}

function toResponse(r: NotificationChannelEntity): ChannelResponseDto {
  const config: Record<string, unknown> = { ...r.config };
  for (const name of SECRET_FIELDS[r.type]) if (r.secrets?.[name]) config[name] = SECRET_MASK;
  return {
    id: r.id,
    type: r.type,
    enabled: r.enabled,
    config,
    base_url: r.baseUrl,
    proxy_id: r.proxyId,
    min_level: r.minLevel,
    updated_at: r.updatedAt.toISOString(),
  };
}
