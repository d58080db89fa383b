"""The language-model fixer: for failures the deterministic ladder cannot fix.

    settings  [tool.suture] keys and flags -> ModelSettings (None: offline)
    providers the registry: `openai` (any OpenAI-compatible endpoint), `anthropic`, plugins
    context   the failure, the code around it, the previous attempt -> a prompt within budget
    edits     a reply -> a diff, or the precise reason it cannot be applied
    ask       one request, retried on 429/5xx/timeouts within the budget
    loop      attempts until one is verified or the budget is spent -> Verdicts and a Usage

The errors, beyond the expected `SutureError`s of suture.errors:

    ProviderError (UsageError, exit 2)  the endpoint cannot be used: no key, no client
                                        library, unreachable, key refused, unknown model
    Transient                           what a retry may cure (429, 5xx, a timeout)
    Malformed                           a reply without usable text: the attempt fails
    Exhausted                           the budget is spent: the loop stops, the run is unfixed
"""
