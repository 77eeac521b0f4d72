"""Login throttling against a real identity process: parallel guesses are counted before the
password is checked, and guessing from elsewhere never locks the owner out of their device."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

# The stack's identity runs with the default per-account threshold of 5 failures.
ACCOUNT_THRESHOLD = 5


async def test_a_burst_of_parallel_guesses_gets_at_most_the_allowed_verifications(
    stack: Any, onboard: Any
) -> None:
    user = await onboard()
    login = f"{stack.identity.url}/api/v1/identity/login"
    body = {"identifier": user.person.mobile, "password": "Wrong1234x"}
    async with httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(*(http.post(login, json=body) for _ in range(100)))
    outcomes = Counter((r.status_code, r.json().get("code")) for r in responses)
    # A 401 is an evaluated guess (argon2 ran); everything beyond the threshold is refused
    # before the password is looked at.
    evaluated = outcomes[(401, "invalid_credentials")]
    assert 1 <= evaluated <= ACCOUNT_THRESHOLD, outcomes
    assert sum(n for (status, _), n in outcomes.items() if status == 429) == 100 - evaluated, (
        outcomes
    )


def from_address(address: str) -> dict[str, str]:
    """Identity trusts its loopback peer (the gateway's place) to name the client address."""
    return {"X-Forwarded-For": address}


async def solve_captcha(http: httpx.AsyncClient, api: str, address: str) -> str:
    """Solve the development slider as a client would: challenge, answer, pass token."""
    challenge = await http.post(f"{api}/captcha/challenges", headers=from_address(address))
    assert challenge.status_code == 201, challenge.text
    body = challenge.json()
    assert body["kind"] == "slider"
    answer = await http.post(
        f"{api}/captcha/answers",
        json={"challenge_id": body["challenge_id"], "answer": {"x": body["payload"]["target_x"]}},
        headers=from_address(address),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["captcha_token"])


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out_of_their_device(
    stack: Any, onboard: Any
) -> None:
    user = await onboard()
    api = f"{stack.identity.url}/api/v1/identity"
    owner = {"identifier": user.person.mobile, "password": user.person.password}
    async with httpx.AsyncClient(timeout=60) as http:
        first = await http.post(f"{api}/login", json=owner, headers=from_address("198.51.100.7"))
        assert first.status_code == 200, first.text
        device_token = first.json()["device_token"]
        # Someone elsewhere keeps guessing, in bursts, well past the threshold.
        for _ in range(3):
            guesses = await asyncio.gather(
                *(
                    http.post(
                        f"{api}/login",
                        json={"identifier": user.person.mobile, "password": f"Guess{n}abc"},
                        headers=from_address(f"203.0.113.{n}"),
                    )
                    for n in range(1, 11)
                )
            )
            assert all(g.status_code in (401, 429) for g in guesses)
        assert guesses[-1].json()["code"] == "captcha_required"
        # The owner, on the device that logged in before, is let in all the same ...
        again = await http.post(
            f"{api}/login",
            json={**owner, "device_token": device_token},
            headers=from_address("198.51.100.7"),
        )
        assert again.status_code == 200, again.text
        assert again.json()["device_token"] == device_token
        # ... while a device the account does not know gets the captcha step, not a lock.
        unknown = await http.post(f"{api}/login", json=owner, headers=from_address("192.0.2.9"))
        assert unknown.status_code == 429 and unknown.json()["code"] == "captcha_required"
        # A device token of another account is just an unknown device.
        other = await onboard()
        other_login = await http.post(
            f"{api}/login",
            json={"identifier": other.person.mobile, "password": other.person.password},
        )
        foreign = await http.post(
            f"{api}/login",
            json={**owner, "device_token": other_login.json()["device_token"]},
            headers=from_address("198.51.100.7"),
        )
        assert foreign.status_code == 429 and foreign.json()["code"] == "captcha_required"


async def test_an_unknown_device_past_the_threshold_must_solve_the_captcha(
    stack: Any, onboard: Any
) -> None:
    user = await onboard()
    api = f"{stack.identity.url}/api/v1/identity"
    owner = {"identifier": user.person.mobile, "password": user.person.password}
    address = "192.0.2.44"
    async with httpx.AsyncClient(timeout=60) as http:
        for n in range(ACCOUNT_THRESHOLD):
            wrong = await http.post(
                f"{api}/login",
                json={"identifier": user.person.mobile, "password": f"Wrong{n}abcd"},
                headers=from_address(address),
            )
            assert wrong.status_code == 401
        refused = await http.post(f"{api}/login", json=owner, headers=from_address(address))
        assert refused.status_code == 429 and refused.json()["code"] == "captcha_required"
        # A wrong answer spends the challenge: answering it again does not help.
        challenge = (
            await http.post(f"{api}/captcha/challenges", headers=from_address(address))
        ).json()
        target = challenge["payload"]["target_x"]
        for x in (target + 50, target):
            missed = await http.post(
                f"{api}/captcha/answers",
                json={"challenge_id": challenge["challenge_id"], "answer": {"x": x}},
                headers=from_address(address),
            )
            assert missed.status_code == 422 and missed.json()["errors"][0]["field"] == "answer"
        # A forged pass token is no pass.
        forged = await http.post(
            f"{api}/login",
            json={**owner, "captcha_token": f"{'0' * 32}.9999999999.forged"},
            headers=from_address(address),
        )
        assert forged.status_code == 429 and forged.json()["code"] == "captcha_required"
        # Solved: one attempt goes through, and the pass cannot be spent twice.
        token = await solve_captcha(http, api, address)
        wrong = await http.post(
            f"{api}/login",
            json={**owner, "password": "Wrong9abcd", "captcha_token": token},
            headers=from_address(address),
        )
        assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
        reused = await http.post(
            f"{api}/login", json={**owner, "captcha_token": token}, headers=from_address(address)
        )
        assert reused.status_code == 429 and reused.json()["code"] == "captcha_required"
        token = await solve_captcha(http, api, address)
        passed = await http.post(
            f"{api}/login", json={**owner, "captcha_token": token}, headers=from_address(address)
        )
        assert passed.status_code == 200, passed.text
        assert passed.json()["device_token"]


async def test_only_wrong_current_passwords_count_against_the_cap(stack: Any, onboard: Any) -> None:
    user = await onboard()
    url = f"{stack.identity.url}/api/v1/identity/me/password"
    headers = {"Authorization": f"Bearer {user.access}"}
    password = user.person.password
    async with httpx.AsyncClient(timeout=60) as http:
        # The owner changing the password more often than the threshold is never locked out.
        for round_ in range(ACCOUNT_THRESHOLD + 1):
            new_password = f"Chang3d{round_}x"
            changed = await http.put(
                url,
                headers=headers,
                json={"current_password": password, "new_password": new_password},
            )
            assert changed.status_code == 200, (round_, changed.text)
            password = new_password
        # Wrong current passwords are still capped, and the cap then holds for everyone.
        wrong = {"current_password": "Wrong1234x", "new_password": "Another9x"}
        for _ in range(ACCOUNT_THRESHOLD):
            assert (await http.put(url, headers=headers, json=wrong)).status_code == 401
        refused = await http.put(url, headers=headers, json=wrong)
        assert (refused.status_code, refused.json()["code"]) == (429, "login_locked")
        right = {"current_password": password, "new_password": "Another9x"}
        assert (await http.put(url, headers=headers, json=right)).status_code == 429


async def test_parallel_wrong_current_passwords_get_at_most_the_cap(
    stack: Any, onboard: Any
) -> None:
    user = await onboard()
    url = f"{stack.identity.url}/api/v1/identity/me/password"
    headers = {"Authorization": f"Bearer {user.access}"}
    wrong = {"current_password": "Wrong1234x", "new_password": "Another9x"}
    async with httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(
            *(http.put(url, headers=headers, json=wrong) for _ in range(20))
        )
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes[401] == ACCOUNT_THRESHOLD and outcomes[429] == 20 - ACCOUNT_THRESHOLD, outcomes
