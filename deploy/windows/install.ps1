<#
.SYNOPSIS
  Installs CoppiceMonitor as a Windows service (run in an elevated PowerShell from a clone of the repository).
.DESCRIPTION
  Checks for Npcap (required for capture), publishes the executable, writes a configuration from the sample,
  migrates the database and registers the "CoppiceMonitor" service (automatic start, restart on failure).
.EXAMPLE
  deploy\windows\install.ps1 -InstallDir "C:\Program Files\CoppiceMonitor"
#>
[CmdletBinding()]
param(
    [string]$InstallDir = "$env:ProgramFiles\CoppiceMonitor",
    [string]$DataDir = "$env:ProgramData\CoppiceMonitor",
    [switch]$NoStart
)
$ErrorActionPreference = 'Stop'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Write-Error "install: run this script in an elevated (Administrator) PowerShell."
    exit 1
}

# Npcap provides wpcap.dll, which capture loads. WinPcap is not supported (unmaintained, no NDIS 6 support).
$npcapDll = Join-Path $env:SystemRoot 'System32\Npcap\wpcap.dll'
$npcapService = Get-Service -Name npcap -ErrorAction SilentlyContinue
if (-not (Test-Path $npcapDll) -or -not $npcapService) {
    Write-Host "install: Npcap is not installed. CoppiceMonitor needs it to capture packets on Windows." -ForegroundColor Red
    Write-Host "         Download it from https://npcap.com/#download and install it with" -ForegroundColor Red
    Write-Host "         'Install Npcap in WinPcap API-compatible Mode' ticked, then run this script again." -ForegroundColor Red
    exit 1
}
if ($npcapService.Status -ne 'Running') {
    Write-Warning "install: the npcap driver service is $($npcapService.Status); starting it."
    Start-Service npcap
}
# The service loads wpcap.dll by name; Npcap keeps it in System32\Npcap, so that folder goes on the machine PATH.
$machinePath = [Environment]::GetEnvironmentVariable('Path', 'Machine')
$npcapDir = Split-Path $npcapDll
if ($machinePath -notlike "*$npcapDir*") {
    [Environment]::SetEnvironmentVariable('Path', "$machinePath;$npcapDir", 'Machine')
}

if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
    Write-Error "install: the .NET 10 SDK is needed to publish (https://dotnet.microsoft.com/download)."
    exit 1
}

$root = Resolve-Path (Join-Path $PSScriptRoot '..\..')
Write-Host "install: publishing to $InstallDir"
dotnet publish (Join-Path $root 'src\CoppiceMonitor.Service') -c Release -r win-x64 --self-contained false -o $InstallDir -nologo -v q
if ($LASTEXITCODE -ne 0) { Write-Error "install: dotnet publish failed"; exit 1 }

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
$config = Join-Path $DataDir 'appsettings.json'
if (-not (Test-Path $config)) {
    Copy-Item (Join-Path $root 'appsettings.sample.json') $config
    Write-Host "install: wrote $config from the sample; edit Capture:Interfaces, Schools and Smtp."
}
# Only SYSTEM and Administrators may read the data folder (it holds the database and the configuration).
icacls $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null

$exe = Join-Path $InstallDir 'coppice-monitor.exe'
$env:COPPICE_Service__DataFolder = $DataDir
& $exe db migrate --config $config
if ($LASTEXITCODE -ne 0) { Write-Warning "install: 'db migrate' failed (exit $LASTEXITCODE); fix the configuration, then start the service." }

$existing = Get-Service -Name CoppiceMonitor -ErrorAction SilentlyContinue
if ($existing) {
    Stop-Service CoppiceMonitor -ErrorAction SilentlyContinue
    sc.exe delete CoppiceMonitor | Out-Null
    Start-Sleep -Seconds 2
}
$binPath = "`"$exe`" run --config `"$config`" --set Service:DataFolder=`"$DataDir`""
New-Service -Name CoppiceMonitor -DisplayName 'CoppiceMonitor' -BinaryPathName $binPath `
    -Description 'Passive staff-network monitoring under the school social-media policy.' -StartupType Automatic | Out-Null
sc.exe failure CoppiceMonitor reset= 86400 actions= restart/10000/restart/60000/restart/300000 | Out-Null
if (-not $NoStart) {
    Start-Service CoppiceMonitor
    Write-Host "install: service started. Logs: $DataDir\logs; health: & '$exe' status"
}
Write-Host "install: done"
