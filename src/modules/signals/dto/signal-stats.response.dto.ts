import { ApiProperty } from '@nestjs/swagger';

export class SignalStatsResponseDto {
  @ApiProperty({ enum: ['1h', '24h', '7d', '30d'] })
  window!: string;
  /** Signals (by candle time) in the window. */
  total_signals!: number;
  total_signals_24h!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { BUY: 89, SELL: 67 } })
  by_type!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { strong: 23, medium: 85, weak: 48 },
  })
  by_strength!: Record<string, number>;
  /** Keyed by strategy name. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { MA_Cross_BTC: 45 } })
  by_strategy!: Record<string, number>;
}
