import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Strategy } from '../../strategies/entities/strategy.entity.js';

/**
 * Which instance runs a strategy's bot, until when. The owner renews it; when it lapses (the
 * instance died) another instance — or the same one restarted — takes the bot over. Kept apart
 * from `strategies` so renewals never bump a strategy's revision.
 */
@Entity('bot_leases')
export class BotLease {
  @PrimaryColumn({ type: 'integer' })
  strategyId!: number;

  @OneToOne(() => Strategy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'strategy_id' })
  strategy?: Strategy;

  @Column({ type: 'varchar', length: 255 })
  instance!: string;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz' })
  acquiredAt!: Date;
}
