import { SetMetadata } from '@nestjs/common';

export const RESPONSE_MESSAGE = 'btcw:response-message';
/** The envelope's `message` for a route (default "Success"). */
export const ResponseMessage = (message: string) => SetMetadata(RESPONSE_MESSAGE, message);
