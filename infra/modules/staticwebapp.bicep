@description('Region of the Static Web App (a few regions host them; the content itself is served from a global edge).')
param location string

@description('Static Web App name.')
param name string

param tags object

@description('Free has no SLA; Standard adds one, custom domains with more certificates, and private endpoints.')
@allowed(['Free', 'Standard'])
param skuName string

// The billing frontend (web/out, a static Next.js export). Not linked to a repository: docs/deploy.md
// section uploads web/out with the deployment token (`az staticwebapp secrets list`), so no token is an output.
resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuName }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
    buildProperties: { skipGithubActionWorkflowGeneration: true }
  }
}

output name string = site.name
output defaultHostname string = site.properties.defaultHostname
