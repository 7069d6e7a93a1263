import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * That a signal's notifications were decided — rows written, or nobody to tell — keyed by signal,
 * written with the decision. The catch-up sweep decides the stored signals that have none (their
 * event was lost to a crash or a failure), and the key lets exactly one decider win. Kept only as
 * long as the sweep looks back (pruned by candle time).
 */
@Entity('notification_decisions')
@Index('idx_notification_decisions_signal_time', ['signalTime'])
export class NotificationDecision {
  @PrimaryColumn({ type: 'uuid' })
  signalId!: string;

  @Column({ type: 'timestamptz' })
  signalTime!: Date;

  @Column({ type: 'timestamptz', default: () => 'CURRENT_TIMESTAMP' })
  decidedAt!: Date;
}
