import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class PreprocessDatasetDto {
  @ApiProperty({
    description:
      'Applied in order to a copy. `fill_missing {method: forward_fill|drop|interpolate, columns?}`, `drop_duplicates {keep?: first|last}`, `resample {timeframe}`, `normalize {method: min_max|z_score, columns?}`; columns are open, high, low, close, volume.',
    example: [{ type: 'fill_missing', method: 'forward_fill', columns: ['close', 'volume'] }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsArray()
  operations!: Record<string, unknown>[];

  /** Name of the new dataset; default `<name> (preprocessed)`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}
