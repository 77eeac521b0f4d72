"""W3C Verifiable Credentials 2.0 secured with eddsa-jcs-2022 and a Bitstring Status List."""
