"""Builds the adapters of the enabled channels from settings (once per process)."""

from dataclasses import dataclass, field

from payment.config import PaymentSettings
from payment.providers.alipay import Alipay
from payment.providers.base import Channel, PaymentProvider
from payment.providers.keys import MerchantKeys
from payment.providers.wechat import WeChatPay

CALLBACK_PATHS = {
    "wechat": "/api/v1/payment/callbacks/wechat/transactions",
    "wechat_refund": "/api/v1/payment/callbacks/wechat/refunds",
    "alipay": "/api/v1/payment/callbacks/alipay",
}


@dataclass
class Providers:
    by_channel: dict[str, PaymentProvider] = field(default_factory=dict)

    def get(self, channel: str) -> PaymentProvider:
        return self.by_channel[channel]

    def enabled(self) -> list[Channel]:
        return [channel for channel in ("wechat", "alipay") if channel in self.by_channel]  # type: ignore[misc]

    async def aclose(self) -> None:
        for provider in self.by_channel.values():
            await provider.aclose()


def build_providers(settings: PaymentSettings) -> Providers:
    keys = MerchantKeys.from_settings(settings)
    callbacks = settings.resolved_callback_base()
    providers = Providers()
    if "wechat" in settings.channels:
        providers.by_channel["wechat"] = WeChatPay(
            base_url=settings.wechat_api_base or settings.sandbox_url,
            mchid=settings.wechat_mchid,
            appid=settings.wechat_appid,
            merchant_serial=keys.wechat_merchant_serial,
            merchant_key=keys.wechat_merchant_key,
            platform_keys=keys.wechat_platform_keys,
            apiv3_key=keys.wechat_apiv3_key,
            notify_url=callbacks + CALLBACK_PATHS["wechat"],
            refund_notify_url=callbacks + CALLBACK_PATHS["wechat_refund"],
            timeout=settings.provider_timeout_seconds,
            max_clock_skew_seconds=settings.wechat_max_clock_skew_seconds,
        )
    if "alipay" in settings.channels:
        providers.by_channel["alipay"] = Alipay(
            gateway=settings.alipay_gateway or settings.sandbox_url.rstrip("/") + "/gateway.do",
            app_id=settings.alipay_app_id,
            seller_id=settings.alipay_seller_id,
            app_key=keys.alipay_app_key,
            alipay_public_key=keys.alipay_public_key,
            notify_url=callbacks + CALLBACK_PATHS["alipay"],
            timeout=settings.provider_timeout_seconds,
            notify_max_age_seconds=settings.alipay_notify_max_age_seconds,
        )
    return providers
