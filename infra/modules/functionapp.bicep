@description('Azure region.')
param location string

@description('Function App name; also its managed identity\'s name, which is its PostgreSQL role.')
param name string

param tags object

@description('Storage account used by the Functions host and for the stripe-events queues (reached by identity).')
param storageAccountName string

@description('Blob container URL that Flex Consumption deploys the app package from.')
param deploymentContainerUrl string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Key Vault secret URIs surfaced as Key Vault references.')
param stripeKeyUri string
param webhookKeyUri string
param signingKeyUri string

@description('PostgreSQL server FQDN and database.')
param databaseHost string
param databaseName string

@description('Non-secret app settings (docs/settings.md).')
param frontendBaseUrl string
param stripePricePro string
param stripePriceEnterprise string
param stripePriceProYearly string
param stripePriceEnterpriseYearly string
param stripePortalConfiguration string
param stripeAllowPromotionCodes bool
param stripeAutomaticTax bool
param stripeTaxIdCollection bool
param stripeApiBase string
param billingEnabled bool
param jwtIssuer string
param jwtAudience string
param jwtAuthority string
param rolloverSchedule string
param idempotencyRetentionDays int
param reconcileSchedule string
param trialDays int
param paymentGraceDays int
param webhookPayloadRetentionDays int
param webhookPayloadSweepSchedule string

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Maximum Pool Size of the connection string: connections one instance may hold (main.bicep checks the budget).')
@minValue(1)
param databaseMaxPoolSize int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertMode: 'Optional'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: { allowedOrigins: [frontendBaseUrl], supportCredentials: false }
      appSettings: [
        // Identity-based host storage: no account keys anywhere.
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
        // No password: the app signs in to PostgreSQL with an Entra token for its managed identity.
        { name: 'BILLING_DATABASE', value: 'Host=${databaseHost};Database=${databaseName};Username=${name};Ssl Mode=Require;Maximum Pool Size=${databaseMaxPoolSize}' }
        { name: 'STRIPE_SECRET_KEY', value: '@Microsoft.KeyVault(SecretUri=${stripeKeyUri})' }
        { name: 'STRIPE_WEBHOOK_SECRET', value: '@Microsoft.KeyVault(SecretUri=${webhookKeyUri})' }
        { name: 'AUTH_JWT_SIGNING_KEY', value: '@Microsoft.KeyVault(SecretUri=${signingKeyUri})' }
        { name: 'STRIPE_PRICE_PRO', value: stripePricePro }
        { name: 'STRIPE_PRICE_ENTERPRISE', value: stripePriceEnterprise }
        { name: 'STRIPE_PRICE_PRO_YEARLY', value: stripePriceProYearly }
        { name: 'STRIPE_PRICE_ENTERPRISE_YEARLY', value: stripePriceEnterpriseYearly }
        { name: 'STRIPE_PORTAL_CONFIGURATION', value: stripePortalConfiguration }
        { name: 'STRIPE_ALLOW_PROMOTION_CODES', value: string(stripeAllowPromotionCodes) }
        { name: 'STRIPE_AUTOMATIC_TAX', value: string(stripeAutomaticTax) }
        { name: 'STRIPE_TAX_ID_COLLECTION', value: string(stripeTaxIdCollection) }
        { name: 'STRIPE_API_BASE', value: stripeApiBase }
        { name: 'BILLING_ENABLED', value: string(billingEnabled) }
        // Never demo mode in Azure: the app runs as Production here, where DEMO_MODE=true stops it at start.
        { name: 'DEMO_MODE', value: 'false' }
        { name: 'FRONTEND_BASE_URL', value: frontendBaseUrl }
        { name: 'AUTH_JWT_ISSUER', value: jwtIssuer }
        { name: 'AUTH_JWT_AUDIENCE', value: jwtAudience }
        { name: 'AUTH_JWT_AUTHORITY', value: jwtAuthority }
        { name: 'USAGE_ROLLOVER_SCHEDULE', value: rolloverSchedule }
        { name: 'USAGE_IDEMPOTENCY_RETENTION_DAYS', value: string(idempotencyRetentionDays) }
        { name: 'STRIPE_RECONCILE_SCHEDULE', value: reconcileSchedule }
        { name: 'STRIPE_TRIAL_DAYS', value: string(trialDays) }
        { name: 'PAYMENT_GRACE_DAYS', value: string(paymentGraceDays) }
        { name: 'WEBHOOK_PAYLOAD_RETENTION_DAYS', value: string(webhookPayloadRetentionDays) }
        { name: 'WEBHOOK_PAYLOAD_SWEEP_SCHEDULE', value: webhookPayloadSweepSchedule }
      ]
    }
  }
}

output name string = app.name

output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
