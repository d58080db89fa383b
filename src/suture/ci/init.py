"""`suture init <ci>`: the CI configuration for each flow, written by the provider's `setup`
(see `suture.ci.base.Provider`); here the templates of the built-in ones.

Two flows (docs/architecture.md, "The two CI flows"): `direct` verifies in the job and opens the pull request at once;
`ci` pushes the verified branch, lets CI run on it, and opens the pull request when CI
passes there (`suture propose`). Every configuration skips suture's own branches and
fork pull requests, and gives the token only to the step that publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from suture.errors import UsageError

FLOWS = ("direct", "ci")

HEAL_WHEN = "result = 'failed' AND branch !~ '^suture/'"
PROPOSE_WHEN = "result = 'passed' AND branch =~ '^suture/'"


@dataclass(frozen=True)
class Written:
    path: str  # repo-relative
    text: str


def files(init_name: str, *, flow: str = "direct", workflow: str = "CI", forge: str = "") -> tuple[Written, ...]:
    """The files `suture init <init_name>` writes, as (path, text)."""
    from suture.ci import registry

    if flow not in FLOWS:
        raise UsageError(f"unknown flow {flow!r}: choose direct or ci")
    return registry.for_init(init_name).setup(flow=flow, workflow=workflow, forge=forge)


def write(root: Path, written: tuple[Written, ...], *, force: bool) -> list[Path]:
    paths = []
    for item in written:
        path = root / item.path
        if path.exists() and not force:
            raise UsageError(f"{item.path} exists: pass --force to overwrite it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item.text, encoding="utf-8")
        paths.append(path)
    return paths


_GITHUB_HEAD = """\
# Written by `suture init github` (flow: {flow}); actions pinned to commits. suture heals a failed run of the
# workflow(s) named below, in three jobs, each with the least privilege it needs:
#   logs     reads the failed jobs' logs through the API (actions: read); runs no repository code
#   heal     verifies a fix in a sandbox from those logs, with no token and read-only contents
#   publish  holds the write token, runs no repository code, re-checks the patch and pushes it
name: suture
on:
  # zizmor: ignore[dangerous-triggers] only same-repository runs are healed (see the job conditions)
  workflow_run:
    workflows: [{workflow}]
    types: [completed]
permissions: {{}}
concurrency:
  group: suture-${{{{ github.event.workflow_run.head_sha }}}}
jobs:
  logs:
    # A failed run, not on suture's own branches, not from a fork.
    if: >-
      github.event.workflow_run.conclusion == 'failure'
      && !startsWith(github.event.workflow_run.head_branch, 'suture/')
      && github.event.workflow_run.head_repository.full_name == github.repository
    runs-on: ubuntu-latest
    permissions:
      actions: read  # list the failed run's jobs and download their logs
    steps:
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0
        with:
          python-version: "3.11"
      - run: python -m pip install 'suture[github]'
      - run: suture logs --out suture-failure.log
        env:
          GITHUB_TOKEN: ${{{{ github.token }}}}
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02  # v4
        with:
          name: suture-failure-log
          path: suture-failure.log
  heal:
    needs: logs
    if: >-
      github.event.workflow_run.conclusion == 'failure'
      && !startsWith(github.event.workflow_run.head_branch, 'suture/')
      && github.event.workflow_run.head_repository.full_name == github.repository
    runs-on: ubuntu-latest
    permissions:
      contents: read  # check out the failing commit
    outputs:
      proposed: ${{{{ steps.heal.outputs.proposed }}}}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          ref: ${{{{ github.event.workflow_run.head_sha }}}}
          persist-credentials: false
      - uses: actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16  # v4.1.8
        with:
          name: suture-failure-log
          path: ${{{{ runner.temp }}}}
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0
        with:
          python-version: "3.11"
      # The checks run in bubblewrap: no network, no secrets, read-only root.
      - run: sudo apt-get install -y bubblewrap
      - run: python -m pip install suture && python -m pip install -e .
      - id: heal
        run: |
          suture heal --log "$RUNNER_TEMP/suture-failure.log" --out suture-proposal.json || true
          if [ -f suture-proposal.json ]; then echo "proposed=true" >> "$GITHUB_OUTPUT"; fi
      - if: steps.heal.outputs.proposed == 'true'
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02  # v4
        with:
          name: suture-proposal
          path: suture-proposal.json
  publish:
    needs: heal
    if: needs.heal.outputs.proposed == 'true'
    runs-on: ubuntu-latest
    permissions:
      contents: write  # push suture/<fingerprint>
      pull-requests: write  # open or update its pull request
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          ref: ${{{{ github.event.workflow_run.head_sha }}}}
          persist-credentials: false
      - uses: actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16  # v4.1.8
        with:
          name: suture-proposal
          path: ${{{{ runner.temp }}}}
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0
        with:
          python-version: "3.11"
      - run: python -m pip install 'suture[github]'
      - run: suture publish "$RUNNER_TEMP/suture-proposal.json" --forge github{push_only}
        env:
          # {token_note}
          GITHUB_TOKEN: ${{{{ secrets.SUTURE_TOKEN || github.token }}}}
"""

_GITHUB_PROPOSE = """\
  propose:
    # CI passed on a branch suture pushed: open its pull request, from the commit alone.
    if: >-
      github.event.workflow_run.conclusion == 'success'
      && startsWith(github.event.workflow_run.head_branch, 'suture/')
      && github.event.workflow_run.head_repository.full_name == github.repository
    runs-on: ubuntu-latest
    permissions:
      contents: read  # check out the branch CI passed on
      pull-requests: write  # open its pull request
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          ref: ${{ github.event.workflow_run.head_sha }}
          fetch-depth: 2  # the fix's commit and its parent: the patch is checked against the policy again
          persist-credentials: false
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0
        with:
          python-version: "3.11"
      - run: python -m pip install 'suture[github]'
      - run: suture propose --forge github
        env:
          GITHUB_TOKEN: ${{ secrets.SUTURE_TOKEN || github.token }}
"""


def github(flow: str, workflow: str) -> str:
    ci = flow == "ci"
    note = (
        "a push made with github.token starts no workflow: SUTURE_TOKEN (a fine-grained token or an app's) is needed"
        if ci
        else "github.token is enough; SUTURE_TOKEN, when set, makes CI run on suture's branches"
    )
    head = _GITHUB_HEAD.format(
        flow=flow, workflow=_quote(workflow), push_only=" --push-only" if ci else "", token_note=note
    )
    return head + (_GITHUB_PROPOSE if ci else "")


_GITLAB = """\
# Written by `suture init gitlab` (flow: {flow}). Include it from .gitlab-ci.yml:
#   include:
#     - local: .gitlab/suture.gitlab-ci.yml
# and set the masked, protected CI/CD variable GITLAB_TOKEN (a project access token with
# the api and write_repository scopes). The job runs in the failed pipeline itself: `suture logs`
# reads the failed jobs' traces; `suture heal` verifies a fix with the tokens taken out of its
# environment (its sandbox would keep them from the checks anyway); `suture publish` holds the
# token, runs no repository code and checks the patch against the policy again.
suture-heal:
  stage: .post
  image: python:3.11
  rules:
    # GitLab refuses a job-level `when` beside `rules`: on_failure belongs to the rule.
    - if: $CI_COMMIT_BRANCH && $CI_COMMIT_BRANCH !~ /^suture\\//
      when: on_failure
  script:
    - apt-get update -qq && apt-get install -y -qq bubblewrap  # the sandbox the checks run in
    - python -m pip install 'suture[gitlab]' && python -m pip install -e .
    - suture logs --out suture-failure.log
    # heal runs the repository's checks: it is not handed the tokens (1 means no verified fix).
    - env -u GITLAB_TOKEN -u CI_JOB_TOKEN suture heal --log suture-failure.log --out suture-proposal.json || [ $? = 1 ]
    - if [ -f suture-proposal.json ]; then suture publish suture-proposal.json --forge gitlab{push_only}; fi
  artifacts:
    when: always
    paths:
      - suture-failure.log
      - suture-proposal.json
    expire_in: 1 week
"""

_GITLAB_PROPOSE = """\
suture-propose:
  # CI passed on a branch suture pushed: open its merge request, from the commit alone.
  stage: .post
  image: python:3.11
  rules:
    - if: $CI_COMMIT_BRANCH =~ /^suture\\//
      when: on_success
  script:
    - python -m pip install 'suture[gitlab]'
    - suture propose --forge gitlab
"""


def gitlab(flow: str) -> str:
    ci = flow == "ci"
    return _GITLAB.format(flow=flow, push_only=" --push-only" if ci else "") + (_GITLAB_PROPOSE if ci else "")


_SEMAPHORE_PIPELINE = """\
# Written by `suture init semaphore`: promoted from .semaphore/semaphore.yml when {when}.
version: v1.0
name: {name}
agent:
  machine:
    type: e1-standard-2
    os_image: ubuntu2004
blocks:
  - name: {name}
    task:
      secrets:
        # A secret named "suture" holding {token} (write access to contents and pull requests)
        # and SEMAPHORE_API_TOKEN (an API token that can read this project's jobs and their logs).
        - name: suture
      jobs:
        - name: {name}
          commands:
            - checkout
{commands}
"""

_SEMAPHORE_PROMOTIONS = """\
# Written by `suture init semaphore`: add these promotions to .semaphore/semaphore.yml.
# A failed build (not on suture's branches) heals and pushes suture/<fingerprint>;
# a passed build of such a branch opens the pull request.
promotions:
  - name: suture heal
    pipeline_file: suture-heal.yml
    auto_promote:
      when: "{heal}"
  - name: suture propose
    pipeline_file: suture-propose.yml
    auto_promote:
      when: "{propose}"
"""


def semaphore(forge: str) -> tuple[Written, ...]:
    from suture.publish.forges import registry

    token = registry.lookup(forge).token_env
    heal = "\n".join(
        [
            "            - sudo apt-get install -y bubblewrap",
            f"            - python -m pip install 'suture[{forge},semaphore]' && python -m pip install -e .",
            "            - suture logs --out suture-failure.log  # the failed jobs that promoted this",
            "            # heal runs the repository's checks: it is not handed the tokens (1: no verified fix)",
            f"            - env -u {token} -u SEMAPHORE_API_TOKEN suture heal --log suture-failure.log"
            " --out suture-proposal.json || [ $? -eq 1 ]",
            f"            - if [ -f suture-proposal.json ]; then suture publish suture-proposal.json --forge {forge}"
            " --push-only; fi",
        ]
    )
    propose = "\n".join(
        [
            f"            - python -m pip install 'suture[{forge}]'",
            f"            - suture propose --forge {forge}",
        ]
    )
    return (
        Written(
            ".semaphore/suture-heal.yml",
            _SEMAPHORE_PIPELINE.format(when=HEAL_WHEN, name="suture heal", token=token, commands=heal),
        ),
        Written(
            ".semaphore/suture-propose.yml",
            _SEMAPHORE_PIPELINE.format(when=PROPOSE_WHEN, name="suture propose", token=token, commands=propose),
        ),
        Written(".semaphore/suture-promotions.yml", _SEMAPHORE_PROMOTIONS.format(heal=HEAL_WHEN, propose=PROPOSE_WHEN)),
    )


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
