<#
.SYNOPSIS
  Installs CoppiceMonitor as a Windows service from the release zip (run in an elevated PowerShell, from the
  unpacked zip: install.ps1 sits beside coppice-monitor.exe). No .NET is needed: the build is self-contained.
.DESCRIPTION
  Checks Npcap (capture needs it), copies the program to InstallDir, writes the configuration from the sample (kept
  if present), stores the PostgreSQL connection string in a secrets file only Administrators and the service can
  read, migrates the database, and registers the "coppice-monitor" service under its virtual account
  NT SERVICE\coppice-monitor (not LocalSystem). The service starts only when `coppice-monitor check-config` passes.
  On Windows the service needs a PostgreSQL server of the school's (the embedded server is Linux-only).
.EXAMPLE
  .\install.ps1 -ConnectionString 'Host=db.school.local;Database=coppice;Username=coppice_owner;Password=...'
#>
[CmdletBinding()]
param(
    # Npgsql connection string to the school's PostgreSQL server (ConnectionStrings:Coppice). Required on the
    # first install; omitted later, the stored one is kept.
    [string]$ConnectionString,
    [string]$InstallDir = "$env:ProgramFiles\CoppiceMonitor",
    [string]$DataDir = "$env:ProgramData\CoppiceMonitor",
    [switch]$NoStart
)
$ErrorActionPreference = 'Stop'
$ServiceName = 'coppice-monitor'
$ServiceAccount = "NT SERVICE\$ServiceName"

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Write-Error 'install: run this script in an elevated (Administrator) PowerShell.'
    exit 1
}
$source = $PSScriptRoot
if (-not (Test-Path (Join-Path $source 'coppice-monitor.exe'))) {
    Write-Error "install: coppice-monitor.exe is not beside this script ($source): run install.ps1 from the unpacked release zip."
    exit 1
}

# Npcap provides wpcap.dll, which capture loads. WinPcap is not supported (unmaintained, no NDIS 6 support).
$npcapDll = Join-Path $env:SystemRoot 'System32\Npcap\wpcap.dll'
$npcapService = Get-Service -Name npcap -ErrorAction SilentlyContinue
if (-not (Test-Path $npcapDll) -or -not $npcapService) {
    Write-Host 'install: Npcap is not installed. CoppiceMonitor needs it to capture packets on Windows.' -ForegroundColor Red
    Write-Host '         Install it from https://npcap.com/#download with "WinPcap API-compatible Mode" ticked and' -ForegroundColor Red
    Write-Host '         "Restrict Npcap driver access to Administrators only" NOT ticked, then run this script again.' -ForegroundColor Red
    exit 1
}
if ($npcapService.Status -ne 'Running') {
    Write-Warning "install: the npcap driver service is $($npcapService.Status); starting it."
    Start-Service npcap
}
$npcapParameters = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\npcap\Parameters' -ErrorAction SilentlyContinue
if ($npcapParameters -and $npcapParameters.AdminOnly -eq 1) {
    Write-Host "install: Npcap was installed for Administrators only, so $ServiceAccount cannot capture." -ForegroundColor Red
    Write-Host '         Reinstall Npcap without "Restrict Npcap driver access to Administrators only".' -ForegroundColor Red
    exit 1
}
# The service loads wpcap.dll by name; Npcap keeps it in System32\Npcap, so that folder goes on the machine PATH.
$machinePath = [Environment]::GetEnvironmentVariable('Path', 'Machine')
$npcapDir = Split-Path $npcapDll
if ($machinePath -notlike "*$npcapDir*") {
    [Environment]::SetEnvironmentVariable('Path', "$machinePath;$npcapDir", 'Machine')
}

$secrets = Join-Path $DataDir 'secrets.json'
if (-not $ConnectionString -and -not (Test-Path $secrets)) {
    Write-Error ('install: -ConnectionString is required: on Windows CoppiceMonitor stores its data in a PostgreSQL ' +
        'server of the school''s (ConnectionStrings:Coppice), e.g. ''Host=db.school.local;Database=coppice;Username=coppice_owner;Password=...''.')
    exit 3
}

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing -and $existing.Status -ne 'Stopped') {
    Write-Host 'install: stopping the running service for the upgrade'
    Stop-Service $ServiceName
}

Write-Host "install: copying the program to $InstallDir"
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
Get-ChildItem -Path $source | Where-Object { $_.Name -notin @('install.ps1', 'uninstall.ps1') } |
    Copy-Item -Destination $InstallDir -Recurse -Force
Copy-Item (Join-Path $source 'uninstall.ps1') $InstallDir -Force

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
# Data folder: Administrators and SYSTEM full control, the service account modify; nobody else (personal data).
icacls $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' "${ServiceAccount}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) {
    # The virtual account exists once the service does; grant again after it is created below.
    icacls $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
}
$config = Join-Path $DataDir 'appsettings.json'
if (-not (Test-Path $config)) {
    Copy-Item (Join-Path $source 'appsettings.sample.json') $config
    Write-Host "install: wrote $config from the sample; edit Capture:Interfaces, Schools and Reports:Smtp."
}
if ($ConnectionString) {
    $json = @{ ConnectionStrings = @{ Coppice = $ConnectionString } } | ConvertTo-Json
    Set-Content -Path $secrets -Value $json -Encoding UTF8
}
# The secrets file: Administrators and SYSTEM, and the service account read-only.
icacls $secrets /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' | Out-Null

$exe = Join-Path $InstallDir 'coppice-monitor.exe'
$env:COPPICE_CONFIG = $secrets
$env:COPPICE_Service__DataFolder = $DataDir
& $exe db migrate --config $config
if ($LASTEXITCODE -ne 0) {
    Write-Error "install: 'db migrate' failed (exit $LASTEXITCODE): check the connection string and that the server is reachable."
    exit 1
}

$binPath = "`"$exe`" run --config `"$config`""
if ($existing) {
    sc.exe config $ServiceName binPath= $binPath obj= $ServiceAccount start= auto | Out-Null
} else {
    sc.exe create $ServiceName binPath= $binPath obj= $ServiceAccount start= auto DisplayName= CoppiceMonitor | Out-Null
}
if ($LASTEXITCODE -ne 0) { Write-Error "install: could not register the service (sc.exe exit $LASTEXITCODE)"; exit 1 }
sc.exe description $ServiceName 'Passive staff-network monitoring under the school social-media policy.' | Out-Null
sc.exe failure $ServiceName reset= 86400 actions= restart/10000/restart/60000/restart/300000 | Out-Null
# The service finds its secrets and data folder through its own environment (names only, no secret here).
Set-ItemProperty -Path "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName" -Name Environment -Type MultiString `
    -Value @("COPPICE_CONFIG=$secrets", "COPPICE_Service__DataFolder=$DataDir")
icacls $DataDir /grant "${ServiceAccount}:(OI)(CI)M" | Out-Null
icacls $secrets /grant "${ServiceAccount}:R" | Out-Null

& $exe check-config --config $config
if ($LASTEXITCODE -ne 0) {
    Write-Host "install: installed, but not started: edit $config as listed above, check with"
    Write-Host "         & '$exe' check-config --config '$config'   then: Start-Service $ServiceName"
} elseif (-not $NoStart) {
    Start-Service $ServiceName
    Write-Host "install: service started as $ServiceAccount. Logs: $DataDir\logs; health: & '$exe' status --config '$config'"
}
Write-Host 'install: done'
