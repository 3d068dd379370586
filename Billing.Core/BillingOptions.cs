using Microsoft.Extensions.Configuration;

namespace Billing.Core;

/// <summary>Switches and origins that shape what the service allows (DESIGN.md section 4).</summary>
public sealed class BillingOptions
{
    /// <summary><c>false</c> turns enforcement off: consume is always allowed and still counted.</summary>
    [ConfigurationKeyName("BILLING_ENABLED")]
    public bool Enabled { get; set; } = true;

    /// <summary>Default redirect target and the only origin a redirect may point at.</summary>
    [ConfigurationKeyName("FRONTEND_BASE_URL")]
    public string FrontendBaseUrl { get; set; } = "";

    [ConfigurationKeyName("USAGE_ROLLOVER_SCHEDULE")]
    public string RolloverSchedule { get; set; } = "0 5 * * * *";
}
