"""The WeCom (企业微信) protocol: callback crypto and endpoint, the API client, the fake server.

Everything WeCom-specific lives here, following ../shared/wecom.md, so that swapping the
local fake for the real service changes configuration only (WECOM_API_BASE and the corp's
credentials). Business meaning — who befriended whom — belongs to `siyu.relations`.
"""
