"""Cost of rendering one event's templates (the seeded verification-code SMS, e-mail and inbox
parts, as `service.notify` renders them), in microseconds per event.

    .venv/bin/python bench/notification_render.py [--events 5000]

Prints the synchronous render (`rendering.render` per part, on the calling thread) and, where it
exists, `rendering.render_all` as the handler calls it (bounded; a few milliseconds on the
event loop, a hop to the render thread only for a template that needs more).
"""

import argparse
import asyncio
import statistics
import time
from typing import Any

from notification.templates import rendering

CODE = {
    "user_id": "00000000-0000-4000-8000-000000000001",
    "channel": "sms",
    "destination": "13800138000",
    "code": "123456",
    "purpose": "register",
    "expires_at": "2026-01-01T08:05:00+00:00",
    "locale": "zh",
}
PARTS = [
    rendering.TemplateParts(
        "sms", None, "您的验证码为{{ code }}，{{ expires_minutes }}分钟内有效，请勿告诉他人。"
    ),
    rendering.TemplateParts(
        "email",
        "EduCert 验证码",
        "您的验证码为 {{ code }}，{{ expires_minutes }} 分钟内有效，请勿告诉他人。\n"
        "如非本人操作，请忽略本邮件。",
        "<p>您的验证码为 <strong>{{ code }}</strong>，{{ expires_minutes }} 分钟内有效，"
        "请勿告诉他人。</p><p>如非本人操作，请忽略本邮件。</p>",
    ),
    rendering.TemplateParts(
        "inbox",
        "验证码已发送",
        "验证码已发送至 {{ destination_masked }}，{{ expires_minutes }} 分钟内有效。",
    ),
]


def sync_once(context: dict[str, Any]) -> None:
    for parts in PARTS:
        rendering.render(parts, context, sms_max_chars=300)


async def main(events: int) -> None:
    context = rendering.template_context(CODE)
    for _ in range(200):
        sync_once(context)
    samples = []
    for _ in range(events):
        started = time.perf_counter()
        sync_once(context)
        samples.append(time.perf_counter() - started)
    print(f"sync, on the calling thread: {statistics.mean(samples) * 1e6:.0f} us/event (mean)")
    render_all = getattr(rendering, "render_all", None)
    if render_all is None:
        return
    for _ in range(200):
        await render_all(PARTS, context, sms_max_chars=300)
    samples = []
    for _ in range(events):
        started = time.perf_counter()
        await render_all(PARTS, context, sms_max_chars=300)
        samples.append(time.perf_counter() - started)
    print(f"render_all, as the handler: {statistics.mean(samples) * 1e6:.0f} us/event (mean)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    asyncio.run(main(parser.parse_args().events))
