"use client";

import Link from "next/link";
import { forgetCheckout } from "@/lib/checkoutIntent";
import { useEffect } from "react";
import { useI18n } from "@/lib/i18n/I18nProvider";
import { billingPath } from "@/lib/routes";

export default function CanceledPage() {
  const { locale, messages } = useI18n();
  useEffect(() => forgetCheckout(), []);
  return (
    <>
      <h1>{messages.canceled.title}</h1>
      <p className="lead">{messages.canceled.body}</p>
      <p><Link className="button button--primary" href={billingPath(locale, "pricing")}>{messages.canceled.back}</Link></p>
    </>
  );
}
