import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { PageQueryDto } from '../../common/pagination/page-query.dto.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { CreateProxyDto } from './dto/create-proxy.dto.js';
import { DeleteProxyQueryDto } from './dto/delete-proxy.query.dto.js';
import { ProxyTestResponseDto } from './dto/proxy-test.response.dto.js';
import { ProxyResponseDto } from './dto/proxy.response.dto.js';
import { UpdateProxyDto } from './dto/update-proxy.dto.js';
import { ProxiesService } from './proxies.service.js';

@ApiTags('proxies')
@Controller('proxies')
export class ProxiesController {
  constructor(private readonly proxies: ProxiesService) {}

  /** Your proxies in the order the pool tries them, with health, success rate and users. */
  @Get()
  @ApiEnvelope(ProxyResponseDto, { paginated: 'proxies' })
  listProxies(@CurrentUser() user: AuthUser, @Query() query: PageQueryDto) {
    return this.proxies.list(user.id, query);
  }

  /** Add a SOCKS5 or HTTP(S) proxy; its password is stored encrypted and it is checked right away. */
  @Post()
  @ApiEnvelope(ProxyResponseDto, { status: 201 })
  @ApiErrors('PROXY_NAME_TAKEN')
  createProxy(@CurrentUser() user: AuthUser, @Body() dto: CreateProxyDto) {
    return this.proxies.create(user.id, dto);
  }

  @Get(':id')
  @ApiEnvelope(ProxyResponseDto)
  @ApiErrors('PROXY_NOT_FOUND')
  getProxy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.proxies.get(user.id, id);
  }

  /** Update fields; `******` as password keeps the stored one. A new address or credentials reset its health. */
  @Put(':id')
  @ApiEnvelope(ProxyResponseDto)
  @ApiErrors('PROXY_NOT_FOUND', 'PROXY_NAME_TAKEN')
  updateProxy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number, @Body() dto: UpdateProxyDto) {
    return this.proxies.update(user.id, id, dto);
  }

  /** 409 PROXY_IN_USE while strategies or channels name it, unless `force=true` (they move to the pool). */
  @Delete(':id')
  @ApiEnvelope(null)
  @ApiErrors('PROXY_NOT_FOUND', 'PROXY_IN_USE')
  deleteProxy(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Query() query: DeleteProxyQueryDto,
  ) {
    return this.proxies.remove(user.id, id, query.force ?? false);
  }

  /** A real request to test_url through the proxy; a failure names its stage (proxy connect, auth, tunnel, TLS, HTTP status). */
  @Post(':id/test')
  @ApiEnvelope(ProxyTestResponseDto)
  @ApiErrors('PROXY_NOT_FOUND')
  testProxy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.proxies.test(user.id, id);
  }
}
