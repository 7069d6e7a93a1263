import { PartialType } from '@nestjs/swagger';
import { CreateProxyDto } from './create-proxy.dto.js';

/**
 * Every field of a create, optional: absent fields keep their value. A null is still validated
 * (`skipNullProperties: false`), so `name: null` is a 400, while `username`/`password`, optional in
 * the create too, accept null or '' to remove them; `******` as password keeps the stored one.
 */
export class UpdateProxyDto extends PartialType(CreateProxyDto, { skipNullProperties: false }) {}
