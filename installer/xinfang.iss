; Inno Setup script for 信访工作台 (XinfangDesk): a per-user installer, no administrator rights.
;
; Built by .github/workflows/windows.yml after PyInstaller made dist\xinfang\ from build.spec:
;   iscc /DAppVersion=0.1.0 installer\xinfang.iss   ->  installer\Output\xinfang-0.1.0-setup.exe
; It cannot be compiled or run on Linux; it was written against the Inno Setup 6 documentation
; (jrsoftware.org/ishelp): [Setup] PrivilegesRequired, the "auto" constants, [Icons], [Run].
; The workflow pins Inno Setup 6.7.1 (choco); ChineseSimplified.isl beside this script belongs
; to that version (see [Languages]).
;
; Per user: PrivilegesRequired=lowest runs Setup in non-administrative install mode, so the
; "auto" constants map to the user's folders: {autopf} = {userpf} = %LOCALAPPDATA%\Programs,
; {autoprograms} = the user's Start-menu Programs folder, and the uninstall entry goes under
; HKCU. A clerk on a locked-down office PC can install and update it without IT.
; The clerk's data is NOT in the program folder (it lives in %LOCALAPPDATA%\XinfangDesk, see
; app/paths.py), so uninstalling or upgrading never touches cases, settings or backups.
; The file is UTF-8 with a BOM (Inno Setup 6 reads UTF-8 scripts; 6.3+ even without the BOM).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\xinfang"
#endif
#define AppName "信访工作台"
#define AppExe "xinfang.exe"

[Setup]
; The AppId ties upgrades and the uninstaller together; never change it. ({{ escapes the brace.)
AppId={{6F1C3E52-8B0D-4B7A-9C39-2E6A0B4D7F18}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=XinfangDesk
VersionInfoVersion={#AppVersion}
VersionInfoDescription={#AppName} 安装程序
PrivilegesRequired=lowest
DefaultDirName={autopf}\XinfangDesk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
SetupIconFile=..\resources\xinfang.ico
; PyInstaller builds a 64-bit program on windows-latest.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 (PySide6) needs Windows 10 1809 (build 17763) or later; older systems get Setup's own
; "requires Windows 10 version 1809" message instead of a program that does not start.
MinVersion=10.0.17763
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir=Output
OutputBaseFilename=xinfang-{#AppVersion}-setup
; An update while the program is open: Setup offers to close it (Restart Manager) first.
CloseApplications=yes
LanguageDetectionMethod=uilanguage
ShowLanguageDialog=no

[Languages]
; Chinese first: it is the language of the clerk. Inno Setup 6 does not install a Chinese message
; file (it is a user-contributed translation), so it is checked in beside this script, unchanged:
;   source  https://github.com/jrsoftware/issrc/blob/is-6_7_1/Files/Languages/Unofficial/ChineseSimplified.isl
;           (tag is-6_7_1 = commit cfdf48923178df4b4f040e038b423aa555a61ffc; the same bytes in every
;           tag is-6_6_0 … is-6_7_3, whose Default.isl is unchanged too; it has exactly the
;           messages of 6.7.1's Default.isl)
;   SHA-256 7d544b9bb1d142cfa11f2e5d3cc8abe2e55f8e066c5124e3772675aa236e1278 (checked by the workflow)
;   bytes   UTF-8 without BOM, LF line ends, as upstream (Inno Setup reads such .isl files since
;           6.3.0); installer/.gitattributes keeps Git from converting them.
; Inno Setup 7.0.2+ ships it as compiler:Languages\ChineseSimplified.isl; when moving to 7, use that.
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: xinfang.exe (window), xinfang-cli.exe (console) and _internal\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundled Python/Qt files wholesale, so a file dropped by the new
; version cannot linger from the old one (only the program's own folder, never the data).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "信访登记、期限、统计、报告与台账"
Name: "{autoprograms}\{#AppName}（演示数据）"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{app}"; Comment: "打开单独的演示数据库，不影响正式数据"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
