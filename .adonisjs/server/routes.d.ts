import '@adonisjs/core/types/http'

type ParamValue = string | number | bigint | boolean

export type ScannedRoutes = {
  ALL: {
    'health.live': { paramsTuple?: []; params?: {} }
    'health.ready': { paramsTuple?: []; params?: {} }
    'docs.page': { paramsTuple?: []; params?: {} }
    'docs.asset': { paramsTuple: [ParamValue]; params: { file: ParamValue } }
    'api.openapi': { paramsTuple?: []; params?: {} }
    'api.auth.csrf': { paramsTuple?: []; params?: {} }
    'api.auth.login': { paramsTuple?: []; params?: {} }
    'api.auth.logout': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.index': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.store': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.destroy': { paramsTuple: [ParamValue]; params: { id: ParamValue } }
    'api.me': { paramsTuple?: []; params?: {} }
    'api.admin.audit.index': { paramsTuple?: []; params?: {} }
  }
  GET: {
    'health.live': { paramsTuple?: []; params?: {} }
    'health.ready': { paramsTuple?: []; params?: {} }
    'docs.page': { paramsTuple?: []; params?: {} }
    'docs.asset': { paramsTuple: [ParamValue]; params: { file: ParamValue } }
    'api.openapi': { paramsTuple?: []; params?: {} }
    'api.auth.csrf': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.index': { paramsTuple?: []; params?: {} }
    'api.me': { paramsTuple?: []; params?: {} }
    'api.admin.audit.index': { paramsTuple?: []; params?: {} }
  }
  HEAD: {
    'health.live': { paramsTuple?: []; params?: {} }
    'health.ready': { paramsTuple?: []; params?: {} }
    'docs.page': { paramsTuple?: []; params?: {} }
    'docs.asset': { paramsTuple: [ParamValue]; params: { file: ParamValue } }
    'api.openapi': { paramsTuple?: []; params?: {} }
    'api.auth.csrf': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.index': { paramsTuple?: []; params?: {} }
    'api.me': { paramsTuple?: []; params?: {} }
    'api.admin.audit.index': { paramsTuple?: []; params?: {} }
  }
  POST: {
    'api.auth.login': { paramsTuple?: []; params?: {} }
    'api.auth.logout': { paramsTuple?: []; params?: {} }
    'api.auth.tokens.store': { paramsTuple?: []; params?: {} }
  }
  DELETE: {
    'api.auth.tokens.destroy': { paramsTuple: [ParamValue]; params: { id: ParamValue } }
  }
}
declare module '@adonisjs/core/types/http' {
  export interface RoutesList extends ScannedRoutes {}
}
