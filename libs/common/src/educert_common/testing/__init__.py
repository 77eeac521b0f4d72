"""Helpers for the platform's tests: throwaway databases and broker names, real processes."""
