"""Registration, the caller's account, contact changes and recovery."""

from fastapi import APIRouter, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.contract import problems
from identity.accounts import contacts, profile, recovery, registration, rules, service
from identity.accounts.schemas import (
    ActivationRequest,
    CodeSent,
    Done,
    EmailChange,
    EmailChangeRequest,
    FoundAccount,
    IdentityCorrection,
    MeView,
    MobileChange,
    MobileChangeRequest,
    MobileTarget,
    PasswordChange,
    PasswordReset,
    RecoveryTarget,
    RegistrationCodeVerify,
    RegistrationRequest,
    RegistrationResponse,
    UsernameChange,
    UsernameRecovery,
)
from identity.runtime import ClientIp, CurrentSessionId, DatabaseDep, SettingsDep
from identity.verification.models import Purpose

router = APIRouter(tags=["identity: accounts"])


@router.post(
    "/registrations",
    responses=problems(409, 429),
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationResponse,
)
async def register(
    body: RegistrationRequest,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
    database: DatabaseDep,
) -> RegistrationResponse:
    """Register an applicant; a code goes to a mainland mobile, an activation link to the e-mail.

    Attempts per client address are capped per day (counted, and committed, first).
    """
    async with database.transaction() as counting:
        await registration.count_registration(counting, settings, ip=ip)
    registered = await registration.register(session, outbox, settings, body, ip=ip)
    view = rules.me_view(registered.user, settings)
    return RegistrationResponse(
        user_id=registered.user.id,
        username=registered.user.username,
        email_masked=view.email_masked or "",
        mobile_masked=view.mobile_masked or "",
        mobile_is_mainland=registered.user.mobile_is_mainland,
        notices=registered.notices,
    )


@router.post("/registrations/mobile-code", responses=problems(429), response_model=CodeSent)
async def resend_registration_code(
    body: MobileTarget, session: SessionDep, outbox: OutboxDep, settings: SettingsDep, ip: ClientIp
) -> CodeSent:
    """Send the registration SMS code again (at most once a minute, capped per day)."""
    return await registration.resend_registration_code(
        session, outbox, settings, mobile=body.mobile, ip=ip
    )


@router.post("/registrations/mobile-verification", response_model=Done)
async def verify_registration_mobile(
    body: RegistrationCodeVerify, database: DatabaseDep, settings: SettingsDep, outbox: OutboxDep
) -> Done:
    """Verify the registered mobile number with its SMS code."""
    async with database.transaction() as session:
        _, error = await registration.verify_registration_mobile(
            session, outbox, settings, mobile=body.mobile, code=body.code
        )
    if error is not None:
        raise error
    return Done()


@router.post("/email/activation", response_model=Done)
async def activate_email(
    body: ActivationRequest, session: SessionDep, outbox: OutboxDep, settings: SettingsDep
) -> Done:
    """Redeem an e-mail activation link's token (signed, expiring, single use)."""
    await registration.activate_email(session, outbox, settings, body.token)
    return Done()


@router.get("/me", responses=problems(404), response_model=MeView)
async def me(principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep) -> MeView:
    """Return the caller's account with personal data masked."""
    return rules.me_view(await service.get_user(session, principal.subject), settings)


@router.put("/me/identity", responses=problems(404, 409), response_model=MeView)
async def correct_identity(
    body: IdentityCorrection,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> MeView:
    """Correct name, gender, birth date or validity before real-name verification."""
    user = await profile.correct_identity(session, settings, principal.subject, body)
    return rules.me_view(user, settings)


@router.post("/me/email/activation-link", responses=problems(404, 409, 429), response_model=Done)
async def resend_activation_link(
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> Done:
    """Send a new activation link to the caller's unverified e-mail (limited like codes)."""
    await registration.resend_activation_link(session, outbox, settings, principal.subject, ip=ip)
    return Done()


@router.put("/me/username", responses=problems(404, 409), response_model=MeView)
async def change_username(
    body: UsernameChange, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> MeView:
    """Change the caller's username."""
    user = await profile.change_username(session, principal.subject, body.username)
    return rules.me_view(user, settings)


async def _check_current_password(
    database: DatabaseDep, settings: SettingsDep, user_id: str, password: str | None
) -> None:
    """A current password sent with a request is checked first, in its own committed
    transaction, so that a wrong one stays counted against the account's cap."""
    if password is None:
        return
    async with database.transaction() as checking:
        wrong = await service.check_current_password(
            checking, settings, user_id=user_id, password=password
        )
    if wrong is not None:
        raise wrong


@router.post("/me/email/code", responses=problems(404, 409, 429), response_model=CodeSent)
async def request_email_change(
    body: EmailChangeRequest,
    principal: CurrentPrincipal,
    sid: CurrentSessionId,
    session: SessionDep,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> CodeSent:
    """Send a code to a new e-mail address; needs `current_password` unless this session
    logged in a few minutes ago."""
    await _check_current_password(database, settings, principal.subject, body.current_password)
    return await contacts.request_email_change(
        session,
        outbox,
        settings,
        user_id=principal.subject,
        email=body.email,
        ip=ip,
        current_password=body.current_password,
        session_id=sid,
    )


@router.put("/me/email", responses=problems(404, 409), response_model=MeView)
async def confirm_email_change(
    body: EmailChange,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> MeView:
    """Switch to the new e-mail address with its code; the old address is told."""
    async with database.transaction() as session:
        user, error = await contacts.confirm_email_change(
            session, outbox, settings, user_id=principal.subject, email=body.email, code=body.code
        )
    if error is not None or user is None:
        raise error or RuntimeError()
    return rules.me_view(user, settings)


@router.post("/me/mobile/code", responses=problems(404, 409, 429), response_model=CodeSent)
async def request_mobile_change(
    body: MobileChangeRequest,
    principal: CurrentPrincipal,
    sid: CurrentSessionId,
    session: SessionDep,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> CodeSent:
    """Send a code to a new mobile number (a foreign number: to the verified e-mail); needs
    `current_password` unless this session logged in a few minutes ago."""
    await _check_current_password(database, settings, principal.subject, body.current_password)
    return await contacts.request_mobile_change(
        session,
        outbox,
        settings,
        user_id=principal.subject,
        mobile=body.mobile,
        ip=ip,
        current_password=body.current_password,
        session_id=sid,
    )


@router.put("/me/mobile", responses=problems(404, 409), response_model=MeView)
async def confirm_mobile_change(
    body: MobileChange,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> MeView:
    """Switch to the new mobile number with its code; the old contact is told."""
    async with database.transaction() as session:
        user, error = await contacts.confirm_mobile_change(
            session, outbox, settings, user_id=principal.subject, mobile=body.mobile, code=body.code
        )
    if error is not None or user is None:
        raise error or RuntimeError()
    return rules.me_view(user, settings)


@router.put("/me/password", responses=problems(404), response_model=Done)
async def change_password(
    body: PasswordChange,
    principal: CurrentPrincipal,
    sid: CurrentSessionId,
    session: SessionDep,
    database: DatabaseDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> Done:
    """Change the password; every other session of the caller is revoked."""
    await _check_current_password(database, settings, principal.subject, body.current_password)
    await profile.change_password(
        session,
        outbox,
        settings,
        user_id=principal.subject,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=sid,
    )
    return Done()


@router.post("/recovery/password/code", responses=problems(429), response_model=CodeSent)
async def request_password_reset(
    body: RecoveryTarget,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> CodeSent:
    """Send a password-reset code to an e-mail or mainland mobile (same answer if unknown)."""
    return await recovery.request_recovery_code(
        session,
        outbox,
        settings,
        purpose=Purpose.RESET_PASSWORD,
        raw_destination=body.destination,
        ip=ip,
    )


@router.post("/recovery/password", response_model=Done)
async def reset_password(
    body: PasswordReset, database: DatabaseDep, outbox: OutboxDep, settings: SettingsDep
) -> Done:
    """Set a new password with the code; every session of the account is revoked."""
    async with database.transaction() as session:
        _, error = await recovery.reset_password(
            session,
            outbox,
            settings,
            raw_destination=body.destination,
            code=body.code,
            new_password=body.new_password,
        )
    if error is not None:
        raise error
    return Done()


@router.post("/recovery/username/code", responses=problems(429), response_model=CodeSent)
async def request_username_recovery(
    body: RecoveryTarget,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> CodeSent:
    """Send a code to find the username of an e-mail or mobile (same answer if unknown)."""
    return await recovery.request_recovery_code(
        session,
        outbox,
        settings,
        purpose=Purpose.FIND_USERNAME,
        raw_destination=body.destination,
        ip=ip,
    )


@router.post("/recovery/username", response_model=FoundAccount)
async def find_username(
    body: UsernameRecovery, database: DatabaseDep, settings: SettingsDep
) -> FoundAccount:
    """Show the account's login names once the code proves the contact is the caller's."""
    async with database.transaction() as session:
        found, error = await recovery.find_username(
            session, settings, raw_destination=body.destination, code=body.code
        )
    if error is not None or found is None:
        raise error or RuntimeError()
    return found
