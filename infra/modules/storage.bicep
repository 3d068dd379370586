@description('Azure region.')
param location string

@description('Storage account name (3-24 lowercase letters and digits).')
param name string

param tags object

@description('The claim check\'s container: Stripe events too large for a queue message wait there until applied (Billing.Core/Webhooks/StripeEventPayloads.cs).')
param payloadContainerName string

@description('Days after which a leftover event payload is deleted: longer than any queue or poison message lives (7 days), so only payloads nothing refers to any more go.')
param payloadRetentionDays int = 30

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource stripeEvents 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = {
  parent: queueService
  name: 'stripe-events'
}

resource stripeEventsPoison 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = {
  parent: queueService
  name: 'stripe-events-poison'
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
}

@description('Flex Consumption deploys the app package from this container.')
resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: 'app-package'
  properties: { publicAccess: 'None' }
}

resource stripeEventPayloads 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: payloadContainerName
  properties: { publicAccess: 'None' }
}

// The applier deletes each payload once its event is applied; this sweeps what no message refers to (a payload
// written for a delivery whose enqueue then failed, and whose own delete failed too).
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'sweep-stripe-event-payloads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${stripeEventPayloads.name}/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: payloadRetentionDays } } }
          }
        }
      ]
    }
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deployments.name}'
output queues array = [stripeEvents.name, stripeEventsPoison.name]
