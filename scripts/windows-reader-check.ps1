# The end-to-end check of kiln.exe with a real reader and token on Windows: what CI cannot
# do (Wine's WinSCard.dll is a stub). It needs only kiln.exe, a PC/SC NFC reader and a
# programmable token you may overwrite (its current seed is REPLACED by a throwaway one).
#
#   powershell -ExecutionPolicy Bypass -File windows-reader-check.ps1 [-Kiln .\kiln.exe] [-Reader NAME]
#
# Steps, each stopping the script when it fails: kiln readers; kiln info; kiln burn of a
# random throwaway seed (stdin, --json); kiln info --json (the token's clock after the burn);
# kiln verify with the code the token shows. Paste the whole output into an issue to report
# the result (it contains the token's serial and the throwaway seed's fingerprint, never a
# seed you use).
param(
    [string]$Kiln = ".\kiln.exe",
    [string]$Reader = ""
)
# "Continue": kiln.exe writes its messages to stderr, which must not stop the script.
$ErrorActionPreference = "Continue"
$failures = 0

function Step([string]$what) { Write-Host ""; Write-Host "== $what" }
function Check([bool]$ok, [string]$what) {
    if ($ok) { Write-Host "ok    $what" }
    else { Write-Host "FAIL  $what"; $script:failures++; Finish }
}
function Finish {
    Write-Host ""
    if ($script:failures -eq 0) { Write-Host "windows reader check: OK" ; exit 0 }
    Write-Host "windows reader check: FAILED ($script:failures)"; exit 1
}
$readerArgs = @()
if ($Reader -ne "") { $readerArgs = @("--reader", $Reader) }

Step "kiln --version"
& $Kiln --version
Check ($LASTEXITCODE -eq 0) "kiln.exe starts (exit $LASTEXITCODE)"

Step "kiln readers (switch the token on and place it on the reader first)"
& $Kiln readers
Check ($LASTEXITCODE -eq 0) "the Smart Card service answers and lists a reader (exit $LASTEXITCODE; 6: no service or no reader)"

Step "kiln info"
& $Kiln info @readerArgs
Check ($LASTEXITCODE -eq 0) "the token's serial, model and clock were read (exit $LASTEXITCODE)"

Write-Host ""
$answer = Read-Host "The next step REPLACES the seed on this token with a random throwaway seed. Type YES to go on"
if ($answer -ne "YES") { Write-Host "stopped before writing anything"; exit 2 }

# 20 random bytes, Base32 (RFC 4648, no padding): a seed used for this check only.
$bytes = New-Object byte[] 20
[System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
$alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
$bits = ($bytes | ForEach-Object { [Convert]::ToString($_, 2).PadLeft(8, "0") }) -join ""
$seed = ""
for ($i = 0; $i -lt $bits.Length; $i += 5) { $seed += $alphabet[[Convert]::ToInt32($bits.Substring($i, 5), 2)] }

Step "kiln --json burn (the throwaway seed on standard input; keep the token on the reader)"
$json = $seed | & $Kiln --json burn @readerArgs
$code = $LASTEXITCODE
Write-Host $json
$burn = $null
try { $burn = $json | ConvertFrom-Json } catch { Write-Host "not JSON: $json" }
Check ($code -eq 0 -and $null -ne $burn -and $burn.ok -eq $true) "burn: ok true, exit 0 (exit $code; $($burn.error))"
Check ($burn.token_state -eq "written") "token_state is written (serial $($burn.serial), model $($burn.model))"

Step "kiln --json info (the clock after the burn)"
$json = & $Kiln --json info @readerArgs
$code = $LASTEXITCODE
$info = $null
try { $info = $json | ConvertFrom-Json } catch { Write-Host "not JSON: $json" }
Write-Host "serial $($info.serial), drift $($info.drift_ms) ms +/- $($info.drift_uncertainty_ms) ms, $($info.advice_text)"
Check ($code -eq 0 -and $null -ne $info -and $info.serial -eq $burn.serial) "the same token, read again (exit $code)"

Write-Host ""
Write-Host "Switch the token off and on (it shows codes from the new seed only after that)."
$shown = Read-Host "Type the 6-digit code the token shows now"
Step "kiln verify --code $shown"
$seed | & $Kiln verify --code $shown
Check ($LASTEXITCODE -eq 0) "the token's code matches the throwaway seed (exit $LASTEXITCODE; 7: no match)"

Finish
