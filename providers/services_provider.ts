import type { ApplicationService } from '@adonisjs/core/types'
import UserOfficeClient from '#services/user_office/user_office_client'
import UserOfficeAuthorization from '#services/user_office/user_office_authorization'
import AuditService from '#services/audit_service'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import ExperimentCatalogService from '#services/experiments/experiment_catalog_service'
import LocalExperimentService from '#services/experiments/local_experiment_service'
import ExperimentSessionService from '#services/experiments/experiment_session_service'
import ExperimentMemberService from '#services/experiments/experiment_member_service'
import ImageCatalogService from '#services/images/image_catalog_service'
import EventStreamLimits from '#services/environments/event_stream_limits'
import HeldEnvironmentListing from '#services/environments/held_environment_listing'
import AdminEnvironmentListing from '#services/environments/admin_environment_listing'

/**
 * The portal's own services that keep state for the whole process, bound
 * as container singletons so that every consumer shares one instance and
 * tests can reach (or swap) it; and the stateless services the read paths
 * inject, bound as singletons so that a request does not rebuild its
 * service chain (the User Office client's HTTP agent, the sync limiter).
 * On termination, API token uses still noted in memory are written.
 */
export default class ServicesProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    const container = this.app.container
    container.singleton(UserOfficeClient, () => new UserOfficeClient())
    container.singleton(
      UserOfficeAuthorization,
      async (resolver) => new UserOfficeAuthorization(await resolver.make(UserOfficeClient))
    )
    container.singleton(AuditService, () => new AuditService())
    container.singleton(
      ExperimentSyncService,
      async (resolver) => new ExperimentSyncService(await resolver.make(UserOfficeClient))
    )
    container.singleton(
      ExperimentCatalogService,
      async (resolver) =>
        new ExperimentCatalogService(
          await resolver.make(ExperimentSyncService),
          await resolver.make(AuditService)
        )
    )
    container.singleton(
      LocalExperimentService,
      async (resolver) => new LocalExperimentService(await resolver.make(AuditService))
    )
    container.singleton(
      ExperimentSessionService,
      async (resolver) => new ExperimentSessionService(await resolver.make(AuditService))
    )
    container.singleton(
      ExperimentMemberService,
      async (resolver) => new ExperimentMemberService(await resolver.make(AuditService))
    )
    container.singleton(
      ImageCatalogService,
      async (resolver) => new ImageCatalogService(await resolver.make(AuditService))
    )
    container.singleton(EventStreamLimits, () => new EventStreamLimits())
    container.singleton(HeldEnvironmentListing, () => new HeldEnvironmentListing())
    container.singleton(AdminEnvironmentListing, () => new AdminEnvironmentListing())
  }
  async boot() {
    // Token uses noted in memory are written before the database pools close.
    const { default: tokenUses } = await import('#models/token_use_recorder')
    this.app.terminating(() => tokenUses.flush())
  }
}
