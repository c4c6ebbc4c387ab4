# SPDX-License-Identifier: Apache-2.0
# bash completion for se05x, seTool and ssscli (installed as
# share/bash-completion/completions/{se05x,seTool,ssscli}). Subcommands and
# options are read from the programs' own --help, so completion never
# disagrees with them.

_se05x_help_words() { # <help text> — every --long option in it
  grep -o -- '--[a-z0-9_-]*' <<<"$1" | sort -u
}

_se05x() {
  local cur prev sub i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  case $prev in
    -p|--port) COMPREPLY=($(compgen -W "/dev/i2c-1 127.0.0.1:8050 unix:/run/se05xd/se05xd.sock" -- "$cur")); return ;;
    -o|--out|-i|--in|-s|--sig|--mender-conf|--greengrass-config|--openssl-conf|--pkcs11-module|--new-keys)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  sub=
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -p|--port) ((i++)) ;;
      -*) ;;
      *) sub=${COMP_WORDS[i]}; break ;;
    esac
  done
  local cmd=${COMP_WORDS[0]}
  if [ -z "$sub" ]; then
    local subs
    subs=$("$cmd" --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/s/^  \([a-z0-9-]*\) .*/\1/p')
    COMPREPLY=($(compgen -W "$subs --port --verbose --help --version" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_se05x_help_words "$("$cmd" "$sub" --help 2>/dev/null)") --port --verbose" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

_se05x_setool() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "genECC setECC getPublic getRef getECCRef --help --version -v" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

_se05x_ssscli() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd i
  cmd=
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --port|--format|--hashalgo|--policy_name|--auth_type|--scpkey|--password|--cert|--algo) ((i++)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$cmd" ]; then
    # NXP's command set (fixed; docs/ssscli.md)
    local cmds="connect disconnect se05x set get generate erase refpem sign verify encrypt decrypt policy"
    COMPREPLY=($(compgen -W "$cmds --port --verbose --help" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_se05x_help_words "$(ssscli --help 2>/dev/null)")" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

complete -F _se05x se05x
complete -F _se05x_setool seTool
complete -F _se05x_ssscli ssscli
