"""The notification service as a real process: events from the broker, mail through the real
SMTP sink, SMS through the development carrier, the API with real tokens."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from educert_common.db import Database
from educert_common.settings import PlatformSettings
from educert_common.testing.events import consumer_count, publish
from educert_common.testing.processes import RunningProcess
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from notification.testing import (
    DevTools,
    activation_link,
    carrier_fault,
    carrier_messages,
    code_issued,
    contacts_changed,
    deliveries_of,
    fresh_email,
    mainland_number,
    order_paid,
)

pytestmark = pytest.mark.e2e
API = "/api/v1/notification"


@dataclass
class Running:
    notification: RunningProcess
    client: httpx.AsyncClient
    operator: dict[str, str]
    admin: dict[str, str]


@pytest.fixture(scope="module")
async def running(
    dev_tools: DevTools, tokens: Tokens, notification_logs: Path
) -> AsyncIterator[Running]:
    identity = RunningProcess("identity", "identity.main:create_app", log_dir=notification_logs)
    identity.start()
    try:
        await identity.wait_ready()
        notification = RunningProcess(
            "notification",
            "notification.main:create_app",
            env={**dev_tools.env, "EDUCERT_IDENTITY_URL": identity.url},
            log_dir=notification_logs,
        ).start()
        try:
            await notification.wait_ready()
            queue = f"{PlatformSettings().broker_prefix}notification.events"

            async def consuming() -> bool:
                return await consumer_count(queue) > 0

            await wait_until(consuming, timeout=20, message="notification consuming")
            operator = await tokens.mint(f"operator-{uuid.uuid4()}", roles=("operator",))
            admin = await tokens.mint(f"admin-{uuid.uuid4()}", roles=("admin",))
            async with httpx.AsyncClient(base_url=notification.url, timeout=10) as client:
                yield Running(
                    notification,
                    client,
                    {"Authorization": f"Bearer {operator}"},
                    {"Authorization": f"Bearer {admin}"},
                )
        finally:
            notification.stop()
    finally:
        identity.stop()


async def as_user(tokens: Tokens, user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {await tokens.mint(str(user_id))}"}


async def mail_to(running: Running, address: str) -> list[dict[str, Any]]:
    response = await running.client.get(
        f"{API}/dev/mail", params={"to": address}, headers=running.admin
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_code_event_produces_exactly_one_sms_and_one_inbox_entry(
    running: Running, dev_tools: DevTools, tokens: Tokens, database: Database
) -> None:
    user_id, phone = uuid.uuid4(), mainland_number()
    event = code_issued(phone, user_id=user_id, code="905512", locale="en")
    await publish(event)

    async def sms_arrived() -> list[Any]:
        return list((await carrier_messages(dev_tools.carrier.url, phone))["items"])

    (sms,) = await wait_until(sms_arrived, timeout=15, message="the sms")
    assert sms["params"]["code"] == "905512"
    assert sms["template_code"] == "SMS_EDUCERT_CODE_EN"
    user = await as_user(tokens, user_id)
    inbox = (await running.client.get(f"{API}/inbox", headers=user)).json()["items"]
    assert [item["title"] for item in inbox] == ["Verification code sent"]
    assert "905512" not in inbox[0]["body"]  # the code itself stays on the phone
    assert "139****" in inbox[0]["body"]
    deliveries = await deliveries_of(database, event.id)
    assert sorted((d.channel, d.status) for d in deliveries) == [
        ("inbox", "sent"),
        ("sms", "sent"),
    ]


async def test_redelivery_sends_nothing_twice(
    running: Running, dev_tools: DevTools, database: Database
) -> None:
    phone = mainland_number()
    event = code_issued(phone, user_id=uuid.uuid4())
    await publish(event, event)

    async def sent() -> bool:
        return {d.status for d in await deliveries_of(database, event.id)} == {"sent"}

    await wait_until(sent, timeout=15, message="delivered")
    await publish(event)  # the broker redelivers after everything was sent

    async def third_copy_consumed() -> bool:
        async with database.transaction() as session:
            from sqlalchemy import text

            # The consumer acknowledged it: nothing is left in the queue for it.
            count = await session.scalar(
                text("SELECT count(*) FROM inbox_events WHERE event_id = :id"), {"id": event.id}
            )
        return count == 1

    await wait_until(third_copy_consumed)
    assert len(await deliveries_of(database, event.id)) == 2
    received = await carrier_messages(dev_tools.carrier.url, phone)
    assert [m["requests"] for m in received["items"]] == [1]


async def test_activation_link_arrives_as_a_real_email(
    running: Running, database: Database
) -> None:
    user_id, address = uuid.uuid4(), fresh_email("activate")
    event = activation_link(user_id, address, locale="en")
    await publish(event)

    async def arrived() -> list[dict[str, Any]]:
        return await mail_to(running, address)

    (mail,) = await wait_until(arrived, timeout=15, message="the activation mail")
    assert mail["subject"] == "Activate your EduCert e-mail address"
    (email_delivery,) = [d for d in await deliveries_of(database, event.id) if d.channel == "email"]
    assert mail["message_id"] == f"<{email_delivery.id}@notification.educert.local>"
    detail = (
        await running.client.get(f"{API}/dev/mail/{mail['id']}", headers=running.admin)
    ).json()
    link = event.data["link"]
    assert link in detail["text"]
    assert link.replace("&", "&amp;") in detail["html"]  # autoescaped HTML part
    assert detail["headers"]["To"] == address


async def test_captured_mail_is_read_by_admins_only(running: Running, tokens: Tokens) -> None:
    """Captured mail holds codes and links: an operator reading it could take over accounts."""
    address = fresh_email("captured")
    await publish(activation_link(uuid.uuid4(), address, locale="en"))

    async def arrived() -> list[dict[str, Any]]:
        return await mail_to(running, address)  # as an admin

    (mail,) = await wait_until(arrived, timeout=15, message="the activation mail")
    user = await as_user(tokens, uuid.uuid4())
    for headers in (running.operator, user):
        listed = await running.client.get(
            f"{API}/dev/mail", params={"to": address}, headers=headers
        )
        one = await running.client.get(f"{API}/dev/mail/{mail['id']}", headers=headers)
        assert (listed.status_code, one.status_code) == (403, 403), (listed.text, one.text)
    admin_read = await running.client.get(f"{API}/dev/mail/{mail['id']}", headers=running.admin)
    assert admin_read.status_code == 200


async def test_foreign_number_gets_email_not_sms(
    running: Running, dev_tools: DevTools, database: Database
) -> None:
    user_id, address, foreign = uuid.uuid4(), fresh_email("abroad"), "+1 415 555 0100"
    await publish(contacts_changed(user_id, email=address, mobile=foreign, mainland=False))

    async def contacts_known() -> bool:
        async with database.transaction() as session:
            from notification.models import Recipient

            return await session.get(Recipient, user_id) is not None

    await wait_until(contacts_known)
    event = order_paid(user_id)
    await publish(event)
    (mail,) = await wait_until(lambda: mail_to(running, address), timeout=15)
    assert "EduCert" in mail["subject"]
    channels = sorted(d.channel for d in await deliveries_of(database, event.id))
    assert channels == ["email", "inbox"]
    received = await carrier_messages(dev_tools.carrier.url, "+14155550100")
    assert received["items"] == []


async def test_template_errors_are_refused_at_save(running: Running, tokens: Tokens) -> None:
    admin = {"Authorization": f"Bearer {await tokens.mint('admin-2', roles=('admin',))}"}
    listed = await running.client.get(
        f"{API}/templates",
        params={"key": "verification_code", "channel": "sms", "locale": "zh"},
        headers=running.operator,
    )
    (template,) = listed.json()["items"]
    url = f"{API}/templates/{template['id']}"

    broken = await running.client.patch(url, json={"body": "验证码 {{ code "}, headers=admin)
    assert broken.status_code == 422
    problem = broken.json()
    assert problem["code"] == "template_invalid"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("body", "template_syntax")]

    unknown = await running.client.patch(
        url, json={"body": "{{ pasword }}"}, headers={**admin, "Accept-Language": "en"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "template_render"

    preview = await running.client.post(f"{url}/preview", json={}, headers=running.operator)
    assert preview.status_code == 200
    assert "123456" in preview.json()["body"]

    new_body = {"body": "验证码{{ code }}，{{ expires_minutes }}分钟内有效。"}
    by_operator = await running.client.patch(url, json=new_body, headers=running.operator)
    assert by_operator.status_code == 403
    assert by_operator.json()["code"] == "essential_message_admin_only"
    edited = await running.client.patch(url, json=new_body, headers=admin)
    assert edited.status_code == 200
    assert edited.json()["version"] == template["version"] + 1

    applicant = await as_user(tokens, uuid.uuid4())
    assert (await running.client.get(f"{API}/templates", headers=applicant)).status_code == 403
    extra = await running.client.patch(url, json={"version": 99}, headers=admin)
    assert extra.status_code == 422


async def test_a_secret_goes_only_into_a_body_and_operators_keep_other_templates(
    running: Running, tokens: Tokens
) -> None:
    admin = {"Authorization": f"Bearer {await tokens.mint('admin-3', roles=('admin',))}"}

    async def template_id(key: str, channel: str) -> str:
        listed = await running.client.get(
            f"{API}/templates",
            params={"key": key, "channel": channel, "locale": "en"},
            headers=running.operator,
        )
        return str(listed.json()["items"][0]["id"])

    for key, channel, change, field in (
        ("verification_code", "email", {"subject": "Code {% set c = code %}{{ c }}"}, "subject"),
        ("activation_link", "email", {"subject": "Open {{ link }}"}, "subject"),
        ("verification_code", "inbox", {"body": "Your code: {{ code }}"}, "body"),
    ):
        url = f"{API}/templates/{await template_id(key, channel)}"
        refused = await running.client.patch(url, json=change, headers=admin)
        assert refused.status_code == 422, refused.text
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            (field, "secret_not_allowed")
        ]
    route = await running.client.put(
        f"{API}/routes/identity.verification_code.issued",
        json={"template_key": "order_paid", "channels": ["email", "inbox"]},
        headers=running.operator,
    )
    assert route.status_code == 403

    url = f"{API}/templates/{await template_id('order_paid', 'inbox')}"
    edited = await running.client.patch(url, json={"subject": "Paid!"}, headers=running.operator)
    assert edited.status_code == 200, edited.text
    restored = await running.client.patch(
        url, json={"subject": "Order paid"}, headers=running.operator
    )
    assert restored.status_code == 200


async def test_one_user_cannot_read_anothers_inbox(
    running: Running, tokens: Tokens, database: Database
) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    event = code_issued(fresh_email(), user_id=owner, channel="email")
    await publish(event)

    async def delivered() -> bool:
        return len(await deliveries_of(database, event.id)) == 2

    await wait_until(delivered, timeout=15)
    owner_headers, other_headers = await as_user(tokens, owner), await as_user(tokens, other)
    (item,) = (await running.client.get(f"{API}/inbox", headers=owner_headers)).json()["items"]

    assert (await running.client.get(f"{API}/inbox", headers=other_headers)).json()["items"] == []
    count = await running.client.get(f"{API}/inbox/unread-count", headers=other_headers)
    assert count.json() == {"unread": 0}
    read = await running.client.post(f"{API}/inbox/{item['id']}/read", headers=other_headers)
    assert read.status_code == 404
    deleted = await running.client.delete(f"{API}/inbox/{item['id']}", headers=other_headers)
    assert deleted.status_code == 404
    assert (await running.client.get(f"{API}/inbox")).status_code == 401

    count = await running.client.get(f"{API}/inbox/unread-count", headers=owner_headers)
    assert count.json() == {"unread": 1}
    read = await running.client.post(f"{API}/inbox/{item['id']}/read", headers=owner_headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    gone = await running.client.delete(f"{API}/inbox/{item['id']}", headers=owner_headers)
    assert gone.status_code == 204
    assert (await running.client.get(f"{API}/inbox", headers=owner_headers)).json()["items"] == []


async def test_operator_finds_a_failed_delivery_resends_it_and_sees_statistics(
    running: Running, dev_tools: DevTools, database: Database
) -> None:
    phone = mainland_number()
    await carrier_fault(dev_tools.carrier.url, phone, count=100)
    event = code_issued(phone)
    await publish(event)

    async def failed() -> list[dict[str, Any]]:
        response = await running.client.get(
            f"{API}/deliveries",
            params={"destination": phone, "status": "failed"},
            headers=running.operator,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    (delivery,) = await wait_until(failed, timeout=20, message="the failed delivery")
    assert delivery["attempts"] == 3
    assert delivery["destination"] == phone[:3] + "****" + phone[-4:]
    assert delivery["failure_reason"] == "carrier_http_503"

    await carrier_fault(dev_tools.carrier.url, phone, count=0)
    resent = await running.client.post(
        f"{API}/deliveries/{delivery['id']}/resend", headers=running.operator
    )
    assert resent.status_code == 200 and resent.json()["status"] == "queued"

    async def sent() -> bool:
        response = await running.client.get(
            f"{API}/deliveries/{delivery['id']}", headers=running.operator
        )
        return bool(response.json()["status"] == "sent")

    await wait_until(sent, timeout=15)
    again = await running.client.post(
        f"{API}/deliveries/{delivery['id']}/resend", headers=running.operator
    )
    assert again.status_code == 409

    stats = (await running.client.get(f"{API}/deliveries/stats", headers=running.operator)).json()
    sms_sent = [
        row
        for row in stats["by_channel_and_status"]
        if row["channel"] == "sms" and row["status"] == "sent"
    ]
    assert sms_sent and sms_sent[0]["count"] >= 1 and sms_sent[0]["p99_seconds"] is not None
    by_event = await running.client.get(
        f"{API}/deliveries", params={"source_event_id": str(event.id)}, headers=running.operator
    )
    assert [d["id"] for d in by_event.json()["items"]] == [delivery["id"]]


async def test_an_operator_cannot_read_a_code_through_a_subject_and_the_delivery_search(
    running: Running, tokens: Tokens, database: Database
) -> None:
    """The account takeover of issue 8 §4.1: put `{{ code }}` into the code e-mail's subject,
    have a reset code sent to an admin's address, read it from the delivery search."""
    admin = {"Authorization": f"Bearer {await tokens.mint('admin-1', roles=('admin',))}"}
    listed = await running.client.get(
        f"{API}/templates",
        params={"key": "verification_code", "channel": "email", "locale": "en"},
        headers=running.operator,
    )
    (template,) = listed.json()["items"]
    url = f"{API}/templates/{template['id']}"
    admin_address, code = fresh_email("admin"), "640213"
    try:
        edit = await running.client.patch(
            url, json={"subject": "Code {{ code }}"}, headers=running.operator
        )
        event = code_issued(admin_address, channel="email", code=code, locale="en")
        await publish(event)

        async def sent() -> list[dict[str, Any]]:
            response = await running.client.get(
                f"{API}/deliveries",
                params={"destination": admin_address, "status": "sent"},
                headers=running.operator,
            )
            assert response.status_code == 200, response.text
            return [d for d in response.json()["items"] if d["channel"] == "email"]

        (delivery,) = await wait_until(sent, timeout=15, message="the code e-mail")
        shown = [
            (await running.client.get(f"{API}/deliveries", params=params, headers=headers)).text
            for params in ({"destination": admin_address}, {"source_event_id": str(event.id)})
            for headers in (running.operator, admin)
        ]
        one = await running.client.get(f"{API}/deliveries/{delivery['id']}", headers=admin)
        stats = await running.client.get(f"{API}/deliveries/stats", headers=running.operator)
        for text in (*shown, one.text, stats.text):
            assert code not in text
        # Only admins edit the templates of essential messages (codes, links, notices).
        assert edit.status_code == 403, edit.text
    finally:
        await running.client.patch(url, json={"subject": template["subject"]}, headers=admin)


async def test_templates_that_build_huge_text_are_refused_at_save(running: Running) -> None:
    listed = await running.client.get(
        f"{API}/templates",
        params={"key": "order_paid", "channel": "email", "locale": "en"},
        headers=running.operator,
    )
    (template,) = listed.json()["items"]
    url = f"{API}/templates/{template['id']}"
    for field, source in (
        ("body", "{{ '%09999999d' % 1 }}"),
        ("body", "{{ 'x'|center(99999999) }}"),
        ("subject", "{{ '%09999999d'|format(1) }}"),
        ("html_body", "{{ '{:>9999999}'.format(1) }}"),
        (
            "body",
            "{% set ns = namespace(s='x' * 9999) %}{% for i in range(30) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        ),
    ):
        refused = await running.client.patch(url, json={field: source}, headers=running.operator)
        assert refused.status_code == 422, refused.text
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            (field, "template_render")
        ]
    unchanged = await running.client.get(url, headers=running.operator)
    assert unchanged.json()["version"] == template["version"]


async def test_the_preferences_answer_follows_the_essential_routes(
    running: Running, tokens: Tokens
) -> None:
    user = await as_user(tokens, uuid.uuid4())
    muted = await running.client.put(
        f"{API}/preferences", json={"mute_non_essential": True}, headers=user
    )
    assert muted.status_code == 200, muted.text
    answer = muted.json()
    assert answer["mute_non_essential"] is True
    essential = answer["essential_event_types"]
    assert essential == sorted(essential)
    assert {
        "identity.verification_code.issued",
        "certification.application.returned",
        "records.degree_application.disqualified",
        "certification.certificate.revoked",
    } <= set(essential)
    assert "certification.application.certified" not in essential

    # A route's essential flag is the admin's to turn; the answer follows it.
    letters = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    event_type = f"payment.order.check_{letters}"
    route = {"template_key": "order_paid", "channels": ["email", "inbox"], "essential": True}

    async def listed() -> bool:
        response = await running.client.get(f"{API}/preferences", headers=user)
        assert response.status_code == 200, response.text
        return event_type in response.json()["essential_event_types"]

    made = await running.client.put(f"{API}/routes/{event_type}", json=route, headers=running.admin)
    assert made.status_code == 200, made.text
    assert await listed()
    refused = await running.client.put(
        f"{API}/routes/{event_type}", json={**route, "essential": False}, headers=running.operator
    )
    assert refused.status_code == 403, refused.text
    turned_off = await running.client.put(
        f"{API}/routes/{event_type}", json={**route, "essential": False}, headers=running.admin
    )
    assert turned_off.status_code == 200, turned_off.text
    assert not await listed()
