# One container: the SDK image builds, the ASP.NET runtime image runs, as a non-root user.
#   docker build -t betterdb .
#   docker run -p 8080:8080 -v betterdb-data:/data -e BetterDb__DefaultConnection=redis://host:6379 betterdb
# The publish and start commands are scripts/publish.sh and scripts/start.sh, which
# scripts/run-published.sh also runs outside a container.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN ./scripts/publish.sh /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
COPY --from=build /src/scripts/start.sh /usr/local/bin/betterdb-start
# The image's own unprivileged user (uid 1654); /data holds the SQLite files and the key ring.
RUN mkdir -p /data && chown app:app /data
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    BetterDb__DataDirectory=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/BetterDb.Blazor.dll", "healthcheck"]
ENTRYPOINT ["betterdb-start", "/app"]
