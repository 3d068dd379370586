// LogiNexus Billing on Azure: Function App (Flex Consumption, .NET 10 isolated), Storage (queues, by
// identity), PostgreSQL Flexible Server (Entra auth only), Key Vault (Stripe and JWT secrets as Key Vault
// references), Application Insights on Log Analytics, and a Static Web App serving the frontend (web/out).
// Deploy: see docs/deploy.md.
targetScope = 'resourceGroup'

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Short environment name, part of every resource name: dev, prod, …')
@maxLength(8)
param environmentName string

@description('Region of the frontend\'s Static Web App (only some regions host them).')
@allowed(['westeurope', 'eastus2', 'centralus', 'westus2', 'eastasia'])
param staticWebAppLocation string = 'westeurope'

@description('Static Web App plan of the frontend.')
@allowed(['Free', 'Standard'])
param staticWebAppSku string = 'Standard'

@description('Stripe price ids of the paid plans (printed by Billing.DevHost stripe-setup).')
param stripePricePro string
param stripePriceEnterprise string

@description('Yearly Stripe price ids; empty means the yearly price is not offered.')
param stripePriceProYearly string = ''
param stripePriceEnterpriseYearly string = ''

@description('Billing portal configuration id printed by stripe-setup (bpc_…); empty means the account default.')
param stripePortalConfiguration string = ''

@description('Checkout options: a promotion code field, Stripe Tax (billing address required), tax id collection.')
param stripeAllowPromotionCodes bool = false
param stripeAutomaticTax bool = false
param stripeTaxIdCollection bool = false

@description('Stripe API base URL; empty means Stripe itself.')
param stripeApiBase string = ''

@description('false turns limit enforcement off (usage is still counted).')
param billingEnabled bool = true

@description('Expected iss / aud of LogiNexus tokens; optional OpenID authority for RS256 keys.')
param jwtIssuer string
param jwtAudience string
param jwtAuthority string = ''

@description('NCRONTAB (with seconds) of the usage rollover timer.')
param rolloverSchedule string = '0 5 * * * *'

@description('Days a usage Idempotency-Key is kept for replays and release; longer than any billing period.')
@minValue(32)
@maxValue(3650)
param idempotencyRetentionDays int = 45

@description('NCRONTAB (UTC) of the daily reconciliation with Stripe: a quiet hour.')
param reconcileSchedule string = '0 30 3 * * *'

@description('Days of free trial a tenant\'s first subscription starts with; 0 means none.')
@minValue(0)
@maxValue(730)
param trialDays int = 0

@description('Days a past-due subscription keeps its paid limits after the first failed payment of a run.')
@minValue(0)
@maxValue(60)
param paymentGraceDays int = 7

@description('Days a webhook event\'s raw payload (customer data) is kept before it is cleared; its row stays for dedup.')
@minValue(7)
@maxValue(3650)
param webhookPayloadRetentionDays int = 90

@description('NCRONTAB (UTC) of the daily webhook payload sweep.')
param webhookPayloadSweepSchedule string = '0 15 4 * * *'

@description('Entra principal that deploys and runs the migrations: the PostgreSQL Entra administrator. The app gets its own non-admin role with DML grants only (infra/grant-app.sql).')
param deployerObjectId string
param deployerPrincipalName string
@allowed(['User', 'Group', 'ServicePrincipal'])
param deployerPrincipalType string = 'User'

@description('PostgreSQL compute.')
param postgresSkuName string = 'Standard_B2s'
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'

// Connection budget (docs/operations.md, Connection budget): every instance may hold databaseMaxPoolSize connections, so
// databaseMaxPoolSize × maximumInstanceCount ≤ postgresMaxConnections − 15 (Azure's own) − postgresOperatorConnections.
// The pool holds host.json's queue messages in flight (batchSize 16 + newBatchThreshold 8, one transaction each)
// and 4 for HTTP (bench/RESULTS.md, renewal storm).
@description('Upper bound of Flex Consumption instances.')
param maximumInstanceCount int = 14

@description('Maximum Pool Size in the app\'s connection string: the connections one instance may hold.')
@minValue(1)
param databaseMaxPoolSize int = 28

@description('PostgreSQL max_connections (static: takes effect at the next server restart). 429 is the default of Standard_B2s.')
@minValue(25)
@maxValue(5000)
param postgresMaxConnections int = 429

@description('Connections kept free for operators, migrations and monitoring, besides the 15 Azure reserves.')
@minValue(5)
param postgresOperatorConnections int = 10

@description('E-mail address the operations alerts (infra/modules/alerts.bicep) go to.')
param alertEmail string

// Required: demo mode is never deployed (the app runs as Production in Azure, where DEMO_MODE=true stops it), and an
// empty key would stop the app at start. The parameter files read it from the shell with no default.
@secure()
@minLength(1)
@description('Stripe secret key (sk_… or rk_…; dev: a test-mode key).')
param stripeSecretKey string

@secure()
@description('Stripe webhook signing secret(s), comma-separated during a rotation.')
param stripeWebhookSecret string

@secure()
@description('HS256 key shared with the LogiNexus identity service.')
param jwtSigningKey string

var azureReservedConnections = 15
// Must not be negative: the postgres module's @minValue(0) stops the deployment before anything changes.
var connectionHeadroom = postgresMaxConnections - azureReservedConnections - postgresOperatorConnections - databaseMaxPoolSize * maximumInstanceCount

var name = 'billing-${environmentName}'
var suffix = uniqueString(resourceGroup().id, environmentName)
var tags = { application: 'loginexus-billing', environment: environmentName }
// Names are fixed here, before deployment, so What-If can predict every resource.
var storageName = take('stbill${environmentName}${suffix}', 24)
var vaultName = take('kv-bill-${environmentName}-${suffix}', 24)
// The claim check's blob container (Billing.Core/Webhooks/StripeEventPayloads.cs): known before deployment, so the role assignment on it is too.
var payloadContainerName = 'stripe-event-payloads'
var postgresName = 'psql-${name}-${suffix}'
var appName = 'func-${name}-${suffix}'
var insightsName = 'appi-${name}'
var frontendName = 'stapp-${name}-${suffix}'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, name: name, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, name: storageName, payloadContainerName: payloadContainerName, tags: tags }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: vaultName
    tags: tags
    stripeSecretKey: stripeSecretKey
    stripeWebhookSecret: stripeWebhookSecret
    jwtSigningKey: jwtSigningKey
  }
}

// The billing frontend (web/out). Its https origin is FRONTEND_BASE_URL: the Function App's only CORS
// origin and the only origin checkout and portal may redirect to.
module frontend 'modules/staticwebapp.bicep' = {
  name: 'frontend'
  params: { location: staticWebAppLocation, name: frontendName, tags: tags, skuName: staticWebAppSku }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    name: postgresName
    tags: tags
    deployerObjectId: deployerObjectId
    deployerPrincipalName: deployerPrincipalName
    deployerPrincipalType: deployerPrincipalType
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    maxConnections: postgresMaxConnections
    connectionHeadroom: connectionHeadroom
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    name: appName
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    stripeKeyUri: vault.outputs.stripeKeyUri
    webhookKeyUri: vault.outputs.webhookKeyUri
    signingKeyUri: vault.outputs.signingKeyUri
    databaseHost: postgres.outputs.fqdn
    databaseName: postgres.outputs.databaseName
    frontendBaseUrl: 'https://${frontend.outputs.defaultHostname}'
    stripePricePro: stripePricePro
    stripePriceEnterprise: stripePriceEnterprise
    stripePriceProYearly: stripePriceProYearly
    stripePriceEnterpriseYearly: stripePriceEnterpriseYearly
    stripePortalConfiguration: stripePortalConfiguration
    stripeAllowPromotionCodes: stripeAllowPromotionCodes
    stripeAutomaticTax: stripeAutomaticTax
    stripeTaxIdCollection: stripeTaxIdCollection
    stripeApiBase: stripeApiBase
    billingEnabled: billingEnabled
    jwtIssuer: jwtIssuer
    jwtAudience: jwtAudience
    jwtAuthority: jwtAuthority
    rolloverSchedule: rolloverSchedule
    idempotencyRetentionDays: idempotencyRetentionDays
    reconcileSchedule: reconcileSchedule
    trialDays: trialDays
    paymentGraceDays: paymentGraceDays
    webhookPayloadRetentionDays: webhookPayloadRetentionDays
    webhookPayloadSweepSchedule: webhookPayloadSweepSchedule
    maximumInstanceCount: maximumInstanceCount
    databaseMaxPoolSize: databaseMaxPoolSize
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: { location: location, name: name, tags: tags, appInsightsName: insightsName, alertEmail: alertEmail }
  dependsOn: [monitoring]
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    appName: appName
    storageAccountName: storageName
    payloadContainerName: payloadContainerName
    keyVaultName: vaultName
    appInsightsName: insightsName
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}/api/v1/billing'
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/v1/billing/webhooks'
output frontendName string = frontend.outputs.name
output frontendUrl string = 'https://${frontend.outputs.defaultHostname}'
output postgresHost string = postgres.outputs.fqdn
output storageAccountName string = storage.outputs.name
output keyVaultName string = vault.outputs.name
