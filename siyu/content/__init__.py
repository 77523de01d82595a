"""The content hub (内容中台): one library, approval, targeting, share links and landing pages.

HQ editors create items (poster, article, product card, video, moments copy,
mini-program page) for a brand, aimed at branches, provinces, cities or stores (or the
whole brand), each with its scenarios of use, a category for the guide content mix (532)
and a validity window. Approvers move them through the workflow

    draft ─submit→ in review ─approve→ approved ─publish→ published ─(expires_at)→ expired
                        └─reject→ rejected ─submit→ in review     └─withdraw→ withdrawn
    withdrawn / expired / approved / rejected ─revise→ draft

and every move is a ContentTransition row (who, when, comment). Only a published item
inside its window and aimed at a guide's store reaches that guide (`selectors.
content_for_guide`). A guide's forward creates — or reuses, per item and channel — a
ShareLink binding content and guide (and store); each forward is a Forward row (daily
shares, share rate, the mix). A customer opening `/s/<code>` sees the landing page; the
visit is a ShareVisit (device id, and the WeChat identity when the OAuth adapter gives
one) whether or not the item is still live. The tracking issue builds the full event
pipeline on the same share attribution.
"""
