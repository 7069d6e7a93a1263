import { Global, Module, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { OutboundHttp } from './outbound-http.port.js';
import { ProxySelector } from './proxy-selector.js';
import { ProxyUsers } from './proxy-users.js';
import { UndiciOutboundHttp } from './undici-outbound-http.js';

@Global()
@Module({
  providers: [{ provide: OutboundHttp, useClass: UndiciOutboundHttp }, ProxySelector, ProxyUsers],
  exports: [OutboundHttp, ProxySelector, ProxyUsers],
})
export class HttpModule implements OnApplicationShutdown {
  constructor(@Inject(OutboundHttp) private readonly http: OutboundHttp) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.http instanceof UndiciOutboundHttp) await this.http.close();
  }
}
