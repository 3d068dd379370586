// Alerts as code: one action group that mails the operators and log search alert rules on Application Insights
// for the failures nothing else reports. docs/operations.md ("Alerts") says what each one means and what to do.
// Structured log fields are read as `Name` (the worker's own telemetry) or `prop__Name` (logs forwarded by the
// Functions host), whichever is present.

@description('Azure region of the alert rules: that of Application Insights.')
param location string

@description('Prefix for resource names.')
param name string

param tags object

@description('Application Insights the rules query (modules/monitoring.bicep).')
param appInsightsName string

@description('E-mail address every alert goes to.')
param alertEmail string

@description('Webhook signature failures per hour above which the rotation alert fires.')
@minValue(0)
param signatureFailuresPerHour int = 3

@description('Seconds from a Stripe event\'s `created` to its application above which the apply-lag alert fires.')
@minValue(1)
param applyLagSeconds int = 600

@description('HTTP responses 500 and above per 15 minutes above which the 5xx alert fires.')
@minValue(0)
param http5xxPer15Minutes int = 10

@description('Operations failed by an unavailable database, Stripe or queue per 15 minutes above which the outage alert fires.')
@minValue(0)
param dependencyFailuresPer15Minutes int = 5

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take(name, 12)
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource poisonMessages 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-poison-messages'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: Stripe events moved to stripe-events-poison'
    description: 'A Stripe event failed 5 times and the Functions host moved it to the stripe-events-poison queue: nothing was applied for it, so its tenant may be on the wrong plan. Find the cause (Application Insights: Function ApplyStripeEvent failed), fix it, then replay the queue (docs/operations.md: Poison queue, Replay).'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where message has "stripe-events-poison"
| where message !startswith "Replayed"
| project timestamp, message, operation_Name, operation_Id
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource signatureFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-webhook-signature-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: webhook signature failures'
    description: 'More than ${signatureFailuresPerHour} webhooks in an hour were rejected because their Stripe-Signature matches no configured secret. Usually a webhook secret rotation gone wrong: Stripe signs with a secret the app does not have, every event is answered 400 and Stripe retries for about three days. Compare the endpoint\'s signing secret(s) in Stripe with the Key Vault secret stripe-webhook-secret and follow docs/operations.md: Rotating the webhook secret. Stray calls from scanners also count here.'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where message startswith "Rejected a webhook whose Stripe-Signature matches no configured secret"
| project timestamp, message, operation_Id
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: signatureFailuresPerHour
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource applyLag 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-apply-lag'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: Stripe events applied late'
    description: 'A Stripe event was applied more than ${applyLagSeconds} s after Stripe created it (ApplyLagSeconds of the applier\'s outcome log): tenants waited that long for a plan change. Causes: the stripe-events queue is backed up (check its length and ApplyStripeEvent failures), the database or Stripe was slow or down (see the dependency alert), or Stripe delivered late after failed deliveries (the Stripe Dashboard shows the endpoint\'s delivery attempts). If events are failing, fix the cause; they retry by themselves and the ones that reached the poison queue need a replay (docs/operations.md: Replay).'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
traces
| extend ApplyLagSeconds = todouble(coalesce(tostring(customDimensions.ApplyLagSeconds), tostring(customDimensions.prop__ApplyLagSeconds)))
| where isnotnull(ApplyLagSeconds)
| project timestamp, ApplyLagSeconds, message, operation_Id
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'ApplyLagSeconds'
          operator: 'GreaterThan'
          threshold: applyLagSeconds
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource http5xx 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-http-5xx'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: HTTP 5xx responses'
    description: 'More than ${http5xxPer15Minutes} requests in 15 minutes were answered 500 or above. 503 means a dependency is unavailable (see the dependency alert), 502 that Stripe refused a call, 500 an unhandled failure (a bug: Application Insights, exceptions with Unhandled failure). Look at the failing requests\' operation ids in Application Insights and fix the cause.'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
requests
| where toint(resultCode) >= 500
| project timestamp, name, resultCode, operation_Id
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: http5xxPer15Minutes
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource dependencyOutage 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-dependency-unavailable'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: database, Stripe, queue or identity provider unavailable'
    description: 'More than ${dependencyFailuresPer15Minutes} operations in 15 minutes failed with 503 because a dependency was unavailable (log Dependency unavailable: {Code}; the alert is split by Code). database_unavailable: check the PostgreSQL server (Resource health, failover, connection count). stripe_unavailable: check status.stripe.com; calls were retried before giving up. queue_unavailable: check the storage account and the app\'s Storage Queue Data Contributor role. auth_unavailable: the identity provider at AUTH_JWT_AUTHORITY does not answer its discovery document or JWKS, so no token can be checked. Webhooks that got 503 are retried by Stripe; nothing to replay.'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          // Logged with its exception: the worker's telemetry makes that an exception, the host a trace and an
          // exception, so each failed operation is counted once.
          query: '''
union traces, exceptions
| extend Code = coalesce(tostring(customDimensions.Code), tostring(customDimensions.prop__Code))
| where Code in ("database_unavailable", "stripe_unavailable", "queue_unavailable", "auth_unavailable")
| summarize timestamp = min(timestamp) by Code, Operation = iff(isempty(operation_Id), itemId, operation_Id)
'''
          timeAggregation: 'Count'
          dimensions: [
            { name: 'Code', operator: 'Include', values: ['*'] }
          ]
          operator: 'GreaterThan'
          threshold: dependencyFailuresPer15Minutes
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource reconcileDrift 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-reconcile-drift'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: reconciliation found drift'
    description: 'The ReconcileSubscriptions run found tenants whose plan differed from what Stripe shows. Repaired (log Reconcile repaired drift for tenant … subscription …: …): the tenant is right now, but webhooks were missed; look for a poison or signature alert and, in the Stripe Dashboard, the webhook endpoint\'s failed deliveries. Drift that recurs for the same tenant points to a bug in applying events. Not repaired (log Tenant … is on paid subscription …, which Stripe does not show; left unchanged): check that the app uses the right Stripe account and key, then decide in the Stripe Dashboard (docs/operations.md: Reconciliation with Stripe).'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT2H'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where message startswith "Reconcile repaired drift" or message endswith "which Stripe does not show; left unchanged"
| extend TenantId = coalesce(tostring(customDimensions.TenantId), tostring(customDimensions.prop__TenantId)), SubscriptionId = coalesce(tostring(customDimensions.SubscriptionId), tostring(customDimensions.prop__SubscriptionId))
| project timestamp, TenantId, SubscriptionId, message
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}

resource duplicateSubscription 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-duplicate-subscription'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Billing: a tenant is charged for two subscriptions'
    description: 'A tenant has two live Stripe subscriptions (log Tenant … has 2 live subscriptions: it keeps sub_A (created first); sub_B must be refunded and canceled in Stripe; outcome duplicate_subscription in webhook_events): two Checkout Sessions were paid, and the customer is being charged twice. The tenant keeps its oldest subscription. Check both in the Stripe Dashboard, cancel the one the log names immediately and refund its paid invoice (docs/operations.md: A tenant paid twice).'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where message has "live subscriptions: it keeps" and message endswith "must be refunded and canceled in Stripe"
| extend TenantId = coalesce(tostring(customDimensions.TenantId), tostring(customDimensions.prop__TenantId)), DuplicateSubscriptionIds = coalesce(tostring(customDimensions.DuplicateSubscriptionIds), tostring(customDimensions.prop__DuplicateSubscriptionIds))
| project timestamp, TenantId, DuplicateSubscriptionIds, message
'''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [operators.id] }
  }
}
