import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { MESSAGE_TYPES, type MessageType } from '../realtime-message.js';

/** socket.io `subscribe`/`unsubscribe` payload: narrows (or widens back) the stream. */
export class SubscriptionDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  strategy_ids?: number[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, { each: true })
  pairs?: string[];

  @IsOptional()
  @IsArray()
  @IsIn(MESSAGE_TYPES, { each: true })
  types?: MessageType[];

  /** Training jobs to follow (training_progress, training_status). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  job_ids?: number[];
}
