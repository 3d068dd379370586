@description('Azure region.')
param location string

@description('Server name.')
param name string

param tags object

@description('The deploying principal: Entra administrator that runs the migrations.')
param deployerObjectId string
param deployerPrincipalName string

@allowed(['User', 'Group', 'ServicePrincipal'])
param deployerPrincipalType string

@description('Compute SKU, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string

@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param skuTier string

@description('max_connections: a static parameter, applied at the next server restart.')
@minValue(25)
@maxValue(5000)
param maxConnections int

@description('max_connections − reserves − pool × instances, computed in main.bicep: a negative budget fails the deployment here.')
@minValue(0)
param connectionHeadroom int

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuTier }
  properties: {
    version: '16'
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    // Entra tokens only: no password exists that could leak.
    authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Disabled', tenantId: subscription().tenantId }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

resource deployer 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: deployerObjectId
  properties: {
    principalName: deployerPrincipalName
    principalType: deployerPrincipalType
    tenantId: subscription().tenantId
  }
}

resource billing 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: 'billing'
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

@description('The 0.0.0.0 rule admits Azure services (the Flex Consumption app has no fixed outbound address); TLS and Entra auth still apply.')
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

@description('TLS 1.2 at least, on the wire to the database too.')
resource tls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: { value: 'TLSv1.2', source: 'user-override' }
}

@description('Sized with the app\'s pool and instance count (main.bicep, docs/operations.md).')
resource maxConnectionsSetting 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'max_connections'
  properties: { value: string(maxConnections), source: 'user-override' }
  dependsOn: [tls] // one configuration change at a time: the server refuses concurrent ones
}

output name string = server.name
output fqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = billing.name
output deployerAdmin string = deployer.name
output firewallRule string = azureServices.name
output tlsSetting string = tls.name
output maxConnectionsSetting string = maxConnectionsSetting.name
output connectionHeadroom int = connectionHeadroom
